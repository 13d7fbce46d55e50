// Who the audit log says acted: the API key that made the call. One spelling, so every capability's entries
// read the same way (`key:<id>`; the CLI writes `cli`, background jobs `system`).

/** The audit actor for a call made with API key `keyId`. */
export const actorOf = (keyId: string): string => `key:${keyId}`;
