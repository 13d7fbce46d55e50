// A mass message reaching its fans: one chat message each (opening a chat where there was none), a stable share
// of them viewing it and, when it is paid, buying it. A purchase is an earnings transaction and counts in the
// fan's spending, so the queue, the statistics, the buyers list, the chats and the earnings agree.
import { createHash } from 'node:crypto';
import { stableUnit } from '../random.ts';
import { appendSentMessage } from './chats.ts';
import type { Transaction } from './earnings.ts';
import { money } from './formats.ts';
import type { QueuedMassMessage } from './mass-messages.ts';
import type { AccountData } from './world.ts';

const VIEW_SHARE = 0.6;
const BUY_SHARE_OF_VIEWERS = 0.3;
const NET_SHARE = 0.8;

function purchaseTransaction(data: AccountData, item: QueuedMassMessage, fanId: number, nowMs: number): Transaction {
  const seconds = new Set(data.earnings.transactions.map((t) => Math.floor(t.createdAtMs / 1000)));
  // Every createdAt distinct to the second, as the marker paging of /payouts/transactions relies on.
  let createdAtMs = Math.floor(nowMs / 1000) * 1000;
  while (seconds.has(createdAtMs / 1000)) createdAtMs -= 1000;
  const fee = money(item.price * (1 - NET_SHARE));
  return {
    id: createHash('md5').update(`${item.id}:${fanId}`).digest('hex'),
    category: 'chat_messages',
    amount: item.price,
    fee,
    net: money(item.price - fee),
    vatAmount: 0,
    taxAmount: 0,
    mediaTaxAmount: 0,
    status: 'loading',
    createdAtMs,
    payoutPendingDays: 7,
    userId: fanId,
  };
}

function recordPurchase(data: AccountData, item: QueuedMassMessage, fanId: number, nowMs: number): void {
  const transaction = purchaseTransaction(data, item, fanId, nowMs);
  const earnings = data.earnings;
  earnings.transactions.push(transaction);
  earnings.transactions.sort((a, b) => b.createdAtMs - a.createdAtMs);
  earnings.payoutPending = money(earnings.payoutPending + transaction.net);
  const relation = data.relationsById.get(fanId);
  if (relation) relation.messagesSumm = money(relation.messagesSumm + transaction.net);
}

export function deliverMassMessage(data: AccountData, item: QueuedMassMessage, nowMs: number): void {
  const chats = data.chats;
  const media = item.mediaIds.map((id) => data.vault.byId.get(id)).filter((m) => m !== undefined);
  const buyers: number[] = [];
  let viewed = 0;
  for (const fanId of item.recipientIds) {
    const isViewed = stableUnit(`mass:${item.id}:view`, fanId) < VIEW_SHARE;
    const isBought = isViewed && item.price > 0 && stableUnit(`mass:${item.id}:buy`, fanId) < BUY_SHARE_OF_VIEWERS;
    if (isViewed) viewed++;
    appendSentMessage(chats, fanId, 1 + (fanId % 97), {
      fromUserId: data.profile.id,
      text: item.text,
      createdAtMs: nowMs,
      price: item.price,
      isTip: false,
      tipAmount: 0,
      isOpened: item.price > 0 ? isBought : isViewed,
      isNew: true,
      isLiked: false,
      media,
      previewIds: [],
      replyToMessageId: null,
      isFromQueue: true,
      queueId: item.id,
    });
    if (isBought) {
      buyers.push(fanId);
      recordPurchase(data, item, fanId, nowMs);
    }
  }
  item.deliveredAtMs = nowMs;
  item.viewedCount = viewed;
  item.buyerIds = buyers;
  item.purchasedCount = buyers.length;
}

/** Scheduled mass messages whose time has come are delivered when the account is next looked at. */
export function deliverDueMassMessages(data: AccountData, nowMs: number): void {
  for (const item of data.massMessages.items) {
    if (item.deliveredAtMs === null && !item.isCanceled && item.scheduledAtMs !== null && item.scheduledAtMs <= nowMs) {
      deliverMassMessage(data, item, item.scheduledAtMs);
      // A read that changed the account: the request stores it as it would a write.
      data.dirty = true;
    }
  }
}

/** Unsending takes the message out of every chat it landed in; purchases already made stay. */
export function unsendMassMessage(data: AccountData, item: QueuedMassMessage): void {
  for (const fanId of item.recipientIds) {
    const thread = data.chats.threads.get(fanId);
    if (!thread) continue;
    for (const message of thread.messages) if (message.queueId === item.id) data.chats.messageIndex.delete(message.id);
    thread.messages = thread.messages.filter((m) => m.queueId !== item.id);
  }
  item.isCanceled = true;
}
