# The worker image for docker-compose.yml: Node 24 runs the TypeScript sources directly.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the producer client for dependents (dist/) with TypeScript,
# a dev dependency the worker neither has here nor needs.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY schemas ./schemas
COPY src ./src
USER node
EXPOSE 9464
CMD ["node", "src/main.ts"]
