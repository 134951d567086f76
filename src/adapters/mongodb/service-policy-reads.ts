// Every stored service policy, for the worker's in-memory snapshot (families/service-policies.ts):
// one query on a collection of one small document per service.
import type { Db, Document } from 'mongodb';
import { SERVICE_POLICIES } from '../../catalogue/collections.ts';
import type { ServicePolicy } from '../../domain/policy/service-policy.ts';
import { infra } from './mongo-store.ts';

export function readServicePolicies(db: Db): () => Promise<ServicePolicy[]> {
  const policies = db.collection<Document>(SERVICE_POLICIES);
  return async () => {
    const docs = await infra(() => policies.find({}, { projection: { state: 1 } }).toArray());
    return docs.map((doc) => doc['state'] as ServicePolicy).filter((p) => typeof p?.serviceId === 'string' && typeof p.version === 'number');
  };
}
