// What the OpenAPI document says beyond the routes' own schemas (src/platform/http/openapi.ts applies it): the tag
// list with descriptions, the OFAuth operation ids kept, which operations can conflict or call OnlyFans outside the
// Access API, which Access routes rest on an unconfirmed upstream path, and the examples of the main routes.
// test/docs/openapi-document.test.ts fails when a key here no longer names an operation, when an example does not
// match its schema, and when an operation carries a tag this list does not describe.
import type { OpenApiAnnotations, OperationExamples, OperationKey } from '../platform/http/openapi.ts';

const TAGS: OpenApiAnnotations['tags'] = [
  { name: 'Account', description: 'The API key\'s organization and its settings (OFAuth). Needs the `account` scope.' },
  { name: 'Connections', description: 'Connected OnlyFans accounts: list, import a browser session, invalidate, disconnect, per-connection settings (OFAuth).' },
  { name: 'Link', description: 'Connect an account through the hosted or whitelabel Link flow (OFAuth); login and 2FA routes are ofconnect extensions.' },
  { name: 'Dynamic rules', description: 'OnlyFans request-signing rules, and signing for callers who send requests themselves (OFAuth).' },
  { name: 'Webhooks', description: 'Endpoints events are delivered to (signed, Standard Webhooks and Svix headers), the messages, their attempts, replay (ofconnect).' },
  { name: 'Management', description: 'Client apps, API keys, the audit log and vault key rotation: what OFAuth keeps in its dashboard, as an API (ofconnect). Needs the `admin` scope.' },
  { name: 'Usage', description: 'Access requests per connection and day, and billable connections (ofconnect).' },
  { name: 'Access: self', description: 'The connected account\'s own profile. Access routes act as the connection named in x-connection-id.' },
  { name: 'Access: chats', description: 'The inbox, one chat\'s messages and media; send and unsend messages.' },
  { name: 'Access: mass messages', description: 'The mass message queue: send to many fans, now or scheduled.' },
  { name: 'Access: subscribers', description: 'The account\'s fans, and what can be set on one (display name, note, renewal discount).' },
  { name: 'Access: subscriptions', description: 'Creators the account subscribes to, and subscription history.' },
  { name: 'Access: users', description: 'Other users: profiles, posts, search, blocked and restricted users.' },
  { name: 'Access: lists', description: 'User lists and their members.' },
  { name: 'Access: stories', description: 'Live stories of a user, and the account\'s own story items.' },
  { name: 'Access: posts', description: 'The account\'s posts: list, publish, edit, delete.' },
  { name: 'Access: vault', description: 'Vault media and vault lists.' },
  { name: 'Access: uploads', description: 'Upload media into the vault: init, parts as raw bytes, complete; skip files the vault already has.' },
  { name: 'Access: earnings', description: 'Earnings over time, transactions and chargebacks.' },
  { name: 'Access: analytics', description: 'Statistics of posts, streams, stories, promotions, trial and tracking links, visitors and mass messages.' },
  { name: 'Access: promotions', description: 'Promotions, subscription bundles, tracking links and trial links.' },
  { name: 'Access: proxy', description: 'Any OnlyFans API call, signed and sent with the connection\'s session (or a raw session you hold).' },
  { name: 'Vault+', description: 'Vault+ (OFAuth): media copied into the operator\'s own storage (disk or S3-compatible), its status, stats, batch reads and purges; the signed media proxy under /media serves it.' },
  { name: 'Realtime', description: 'Each opted-in connection\'s OnlyFans live channel as a stream of events (Server-Sent Events, resumable with Last-Event-ID); the same events go to webhooks. ofconnect extension.' },
  { name: 'MCP', description: 'Model Context Protocol (Streamable HTTP): the managed Access endpoints as tools for AI agents, through the same permissions and pacing. Needs the `access` scope.' },
  { name: 'Dashboard', description: 'Sign-in for the web console at /dashboard: an admin API key exchanged for a session cookie.' },
  { name: 'Operations', description: 'Health, readiness and Prometheus metrics for whoever runs the service.' },
];

// OFAuth's SDK calls it `client.whoami()` (AccountWhoamiResponse); the derived id would be accountWhoamiGet.
const OPERATION_IDS: OpenApiAnnotations['operationIds'] = {
  'GET /v2/account/whoami': 'accountWhoami',
};

const LINK_STATE = 'the Link session is not at the step this call is for (it moved on, e.g. in another tab); details.status says where it is';
const LINK_STATE_CONFLICT = { when: LINK_STATE, message: 'This Link session cannot take a verification code while it is completed' };
const UPLOAD_CONFLICT = {
  when: 'another request began this upload at the same time: send its parts one after another',
  message: 'Another request began this upload at the same time: send its parts one after another',
};

const CONFLICTS: OpenApiAnnotations['conflicts'] = {
  'POST /v2/account/connections/import': {
    when: 'this OnlyFans account is already connected in this organization and environment; details.connectionId names that connection',
    message: 'This OnlyFans account is already connected as conn_8f2kQ1xv',
  },
  'PATCH /v2/account/connections/import/{connectionId}': {
    when: 'the session belongs to another OnlyFans user than this connection\'s',
    message: 'The session belongs to OnlyFans user 470702184, not to this connection\'s user',
  },
  'POST /v2/link/{clientSecret}/login': { when: LINK_STATE, message: 'This Link session cannot take credentials while it is awaiting_2fa' },
  'POST /v2/link/{clientSecret}/2fa': LINK_STATE_CONFLICT,
  'POST /v2/link/{clientSecret}/otp': LINK_STATE_CONFLICT,
  'POST /v2/link/{clientSecret}/2fa/resend': LINK_STATE_CONFLICT,
  'PUT /v2/access/uploads/{mediaUploadId}/parts/{partNumber}': UPLOAD_CONFLICT,
  'PUT /v2/access/uploads/{mediaUploadId}': UPLOAD_CONFLICT,
};

const CALLS_UPSTREAM: OpenApiAnnotations['callsUpstream'] = [
  'POST /v2/account/connections/import',
  'PATCH /v2/account/connections/import/{connectionId}',
  'POST /v2/link/{clientSecret}/login',
  'POST /v2/link/{clientSecret}/2fa',
  'POST /v2/link/{clientSecret}/otp',
  'POST /v2/link/{clientSecret}/2fa/resend',
  'GET /v2/dynamic-rules',
  'POST /v2/dynamic-rules/sign',
];

// The upstream paths docs/onlyfans-web-api.md §9 marks (U), or code marks as a guess: the simulator serves them, the
// real site may not. Each says what is uncertain.
const GUESSED_PATH = 'the OnlyFans path behind this route is not confirmed against the real site (the sandbox serves it)';
const GUESSED_BODY = 'the OnlyFans request body behind this route is not confirmed against the real site (the sandbox accepts it)';
const EXPERIMENTAL: OpenApiAnnotations['experimental'] = {
  'GET /v2/access/self/release-forms': GUESSED_PATH,
  'GET /v2/access/users/search': GUESSED_PATH,
  'PUT /v2/access/subscribers/{userId}/discount': GUESSED_PATH,
  'GET /v2/access/analytics/posts/{postId}': GUESSED_PATH,
  'GET /v2/access/analytics/streams/chart': GUESSED_PATH,
  'GET /v2/access/analytics/streams/top': GUESSED_PATH,
  'GET /v2/access/analytics/stories/chart': GUESSED_PATH,
  'GET /v2/access/analytics/stories/top': GUESSED_PATH,
  'GET /v2/access/analytics/promotions/chart': GUESSED_PATH,
  'GET /v2/access/analytics/promotions/top': GUESSED_PATH,
  'GET /v2/access/analytics/trials/chart': GUESSED_PATH,
  'GET /v2/access/analytics/trials/top': GUESSED_PATH,
  'GET /v2/access/analytics/campaigns/chart': GUESSED_PATH,
  'GET /v2/access/analytics/campaigns/top': GUESSED_PATH,
  'GET /v2/access/analytics/visitor-countries/chart': GUESSED_PATH,
  'GET /v2/access/analytics/visitor-countries/top': GUESSED_PATH,
  'GET /v2/access/analytics/mass-messages/purchased': GUESSED_PATH,
  'GET /v2/access/analytics/mass-messages/{massMessageId}/buyers': GUESSED_PATH,
  'GET /v2/access/mass-messages/{massMessageId}': GUESSED_PATH,
  'POST /v2/access/promotions': GUESSED_BODY,
  'PUT /v2/access/promotions/{promotionId}': GUESSED_BODY,
  'POST /v2/access/promotions/{promotionId}/stop': GUESSED_PATH,
  'POST /v2/access/promotions/bundles': GUESSED_BODY,
  'GET /v2/access/promotions/bundles/{bundleId}': GUESSED_PATH,
  'PUT /v2/access/promotions/bundles/{bundleId}': GUESSED_BODY,
  'GET /v2/access/promotions/tracking-links/{trackingLinkId}/claimers': GUESSED_PATH,
  'POST /v2/access/promotions/tracking-links/share-access': GUESSED_PATH,
  'DELETE /v2/access/promotions/tracking-links/share-access': GUESSED_PATH,
  'POST /v2/access/promotions/trial-links': GUESSED_BODY,
  'POST /v2/access/promotions/trial-links/share-access': GUESSED_PATH,
  'DELETE /v2/access/promotions/trial-links/share-access': GUESSED_PATH,
  'POST /v2/access/uploads/complete': GUESSED_PATH,
  'PUT /v2/access/uploads/{mediaUploadId}': GUESSED_PATH,
};

// ---- examples -------------------------------------------------------------------------------------------------

const AT = '2026-11-30T10:30:00.000Z';
const LATER = '2026-11-30T11:00:00.000Z';

const CONNECTION = {
  id: 'conn_8f2kQ1xv',
  status: 'active',
  userData: { id: '470702183', name: 'Jane Doe', username: 'janedoe', avatar: null },
  permissions: ['profile:read', 'posts:read', 'messages:read', 'messages:write'],
  expiredAt: null,
  createdAt: AT,
  updatedAt: AT,
  clientReferenceId: 'user_456',
  imported: true,
  lastCheckedAt: null,
};

const WEBHOOK_ENDPOINT = {
  id: 'we_4Tn8Zq2Lk1Vb',
  environment: 'sandbox',
  url: 'https://app.example.com/webhooks/ofconnect',
  description: 'Production receiver',
  eventTypes: ['connection.created', 'connection.expired'],
  enabled: true,
  disabledReason: null,
  failingSince: null,
  previousSecretExpiresAt: null,
  createdAt: AT,
  updatedAt: AT,
};

const API_KEY = {
  id: 'key_6Hs2Pq9Wm3Xc',
  name: 'CI',
  environment: 'sandbox',
  prefix: 'sk_sandbox_Q3v',
  scopes: ['account', 'access'],
  createdAt: AT,
  lastUsedAt: null,
  revokedAt: null,
};

const CLIENT_APP = {
  id: 'app_7Hk2Qp4Lx',
  environment: 'sandbox',
  name: 'Acme Creator Tools',
  integrationType: 'redirect',
  redirectUris: ['https://app.example.com/onlyfans/callback'],
  embedOrigins: [],
  permissions: ['profile:read', 'posts:read', 'messages:read'],
  profile: { description: 'Scheduling and analytics for creators', website: 'https://app.example.com', privacyPolicyUrl: 'https://app.example.com/privacy' },
  returnsRawSession: false,
  displayName: 'Acme',
  brandColor: '#0b63ce',
  logoUrl: '/link/logos/9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f.webp',
  createdAt: AT,
  updatedAt: AT,
};

const EXAMPLES: Partial<Record<OperationKey, OperationExamples>> = {
  'GET /v2/account/whoami': {
    responses: { 200: { id: 'org_2b9QpXc4Rt', name: 'Acme Agency', permissions: ['ACCOUNT', 'LINK', 'ACCESS', 'DYNAMIC_RULES', 'ADMIN'] } },
  },
  'GET /v2/account/connections': { responses: { 200: { list: [CONNECTION], hasMore: false } } },
  'GET /v2/account/connections/{connectionId}': { responses: { 200: CONNECTION } },
  'POST /v2/account/connections/import': {
    request: {
      cookie: 'auth_id=470702183; sess=0a1b2c3d4e5f6a7b8c9d; fp=9f8e7d6c5b4a',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      permissions: ['profile:read', 'posts:read', 'messages:read', 'messages:write'],
      clientReferenceId: 'user_456',
    },
    responses: { 201: CONNECTION },
  },
  'DELETE /v2/account/connections/{connectionId}': { responses: { 200: { success: true, connectionId: CONNECTION.id } } },
  'POST /v2/link/init': {
    request: { clientAppId: CLIENT_APP.id, redirectUrl: 'https://app.example.com/onlyfans/callback', clientReferenceId: 'user_456' },
    responses: { 200: { mode: 'hosted', url: 'https://ofconnect.example.com/link/cs_Vd81kQz0PmR3aT5e', expiresAt: LATER } },
  },
  'GET /v2/access/self': {
    responses: {
      200: {
        avatar: null,
        id: 470702183,
        isAuth: true,
        isVerified: true,
        name: 'Jane Doe',
        photosCount: 120,
        postsCount: 214,
        subscribersCount: 1530,
        username: 'janedoe',
        videosCount: 35,
      },
    },
  },
  'GET /v2/webhooks/endpoints': { responses: { 200: { list: [WEBHOOK_ENDPOINT] } } },
  'POST /v2/webhooks/endpoints': {
    request: { url: WEBHOOK_ENDPOINT.url, eventTypes: WEBHOOK_ENDPOINT.eventTypes, description: WEBHOOK_ENDPOINT.description },
    responses: { 201: { ...WEBHOOK_ENDPOINT, secret: 'whsec_MfKQ9r1kRk9G3zN2fQ3pYg1TzBq6e8Vw' } },
  },
  'GET /v2/api-keys': { responses: { 200: { list: [API_KEY] } } },
  'POST /v2/api-keys': {
    request: { name: API_KEY.name, scopes: API_KEY.scopes, environment: 'sandbox' },
    responses: { 201: { ...API_KEY, key: 'sk_sandbox_Q3vX8mP2kL9sT4wZ7yB1nC6d' } },
  },
  'GET /v2/client-apps': { responses: { 200: { list: [CLIENT_APP] } } },
  'POST /v2/client-apps': {
    request: {
      name: CLIENT_APP.name,
      integrationType: 'redirect',
      redirectUris: CLIENT_APP.redirectUris,
      permissions: CLIENT_APP.permissions,
      profile: CLIENT_APP.profile,
    },
    responses: { 201: CLIENT_APP },
  },
};

export const API_ANNOTATIONS: OpenApiAnnotations = {
  tags: TAGS,
  operationIds: OPERATION_IDS,
  conflicts: CONFLICTS,
  callsUpstream: CALLS_UPSTREAM,
  experimental: EXPERIMENTAL,
  examples: EXAMPLES,
};
