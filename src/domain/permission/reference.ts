// Reference data that permission commands are checked against. Each is its own aggregate (one
// document), written by an upsert: DefinePermission, RegisterSource, DefineContract.

export interface PermissionDef {
  readonly permissionId: string;
  readonly version: number;
  readonly name: string;
  readonly active: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Source {
  readonly sourceId: string;
  readonly version: number;
  readonly name: string;
  readonly active: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Contract {
  readonly contractId: string;
  readonly version: number;
  readonly allowedPermissionIds: readonly string[];
  readonly allowedSourceIds: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}
