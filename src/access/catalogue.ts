// The Access catalogue: every family of managed endpoints, in the order their routes are registered (which is the
// order of the OpenAPI document's paths). Adding a family is one module under endpoints/ and one line here.
// Families: self, chats/messages, subscribers, subscriptions, users (+ blocked, restricted, search), user lists,
// posts, vault (+ vault lists), earnings, analytics, promotions (+ bundles), tracking and trial links, mass
// messages, stories, uploads (whose streaming routes are registered by the family itself, beside the table).
//
// Permissions (ofconnect's choice, docs/ofauth-wire-contract.md §11): account/permissions.ts owns the list a
// connection can be granted (the consent vocabulary, on the wire in connection and client-app replies); each family
// states the permissions its routes need, typed against that list, and ACCESS_PERMISSIONS is their union. The
// dependency points access → account, as the pipeline's already does: account/ knows nothing of the catalogue.
import { CONNECTION_PERMISSIONS } from '../account/permissions.ts';
import type { ConnectionPermission, ManagedEndpoint } from './endpoints/define-endpoint.ts';
import type { AccessFamily } from './endpoints/family.ts';
import * as chats from './endpoints/chats.ts';
import * as earnings from './endpoints/earnings.ts';
import * as lists from './endpoints/lists.ts';
import * as posts from './endpoints/posts.ts';
import * as self from './endpoints/self.ts';
import * as subscribers from './endpoints/subscribers.ts';
import * as subscriptions from './endpoints/subscriptions.ts';
import * as users from './endpoints/users.ts';
import * as vault from './endpoints/vault.ts';
import * as analytics from './endpoints/analytics.ts';
import * as promotions from './endpoints/promotions.ts';
import * as promotionLinks from './endpoints/promotion-links.ts';
import * as massMessages from './endpoints/mass-messages.ts';
import * as stories from './endpoints/stories.ts';
import * as uploads from './endpoints/uploads.ts';

export const ACCESS_FAMILIES: readonly AccessFamily[] = [
  self.family,
  chats.family,
  subscribers.family,
  subscriptions.family,
  users.family,
  lists.family,
  posts.family,
  vault.family,
  earnings.family,
  analytics.family,
  promotions.family,
  promotionLinks.family,
  massMessages.family,
  stories.family,
  uploads.family,
];

export const MANAGED_ENDPOINTS: readonly ManagedEndpoint[] = ACCESS_FAMILIES.flatMap((family) => family.endpoints);

/** The permissions some managed route needs, in the order of the connection permission list. */
export const ACCESS_PERMISSIONS: readonly ConnectionPermission[] = CONNECTION_PERMISSIONS.filter((permission): permission is ConnectionPermission =>
  ACCESS_FAMILIES.some((family) => family.permissions.some((needed) => needed === permission)),
);
