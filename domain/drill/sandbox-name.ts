/** A live drill's sandbox database is named after its incident: `drill_<id>`, fitting PostgreSQL's 63-byte names. */
export const drillSandboxOf = (incidentId: string): string => `drill_${incidentId.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 56);
