// Every status a connection row can have (the API shows only store.ts' VISIBLE_STATUSES). Apart from the store so the
// CLI's option list can name them without loading the database code.
export const CONNECTION_STATUSES = ['pending', 'awaiting_2fa', 'active', 'expired', 'failed', 'disconnected'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
