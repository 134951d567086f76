// Prints a development token for the read API, signed with API_JWT_SECRET (HS256), valid 12 h.
// Usage: node src/tools/dev-token.ts [sub=<caller>] [roles=service,user] [serviceId=<id>] [userId=<id>] [orgId=<id>]
// Production tokens come from the identity provider (API_JWT_JWKS_URL); this is for `npm run local`.
import { SignJWT } from 'jose';

const secret = process.env['API_JWT_SECRET'];
if (!secret) {
  console.error('API_JWT_SECRET must be set (the read API verifies with the same secret)');
  process.exit(2);
}
const claims: Record<string, string | string[]> = { sub: 'local-developer', roles: ['service'] };
for (const arg of process.argv.slice(2)) {
  const [name, value] = arg.split(/=(.*)/s) as [string, string | undefined];
  if (!value) {
    console.error(`expected name=value, got ${JSON.stringify(arg)}`);
    process.exit(2);
  }
  claims[name] = name === 'roles' ? value.split(',') : value;
}
const { sub, ...rest } = claims;
console.log(await new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).setSubject(String(sub)).setIssuedAt()
  .setExpirationTime('12h').sign(new TextEncoder().encode(secret)));
