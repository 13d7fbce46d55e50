// The webhook event types the realtime relay records (docs/realtime-events.md describes each payload).
// realtime.*: one per upstream frame, in OFAuth's envelope, with OFAuth's type names where they are known
// (realtime.chat_message.received and realtime.chat_typing.updated are confirmed; the others follow its pattern or
// are ofconnect's for frames OFAuth does not translate). activity.*: named events derived from the frames,
// deduplicated (ofconnect extension; OFAuth offers none).

export const REALTIME_FRAME_EVENT_TYPES = [
  'realtime.chat_message.received',
  'realtime.chat_message.deleted',
  'realtime.chat_message.liked',
  'realtime.chat_message.unliked',
  'realtime.chat_typing.updated',
  'realtime.inbox_counts.updated',
  'realtime.system_messages.updated',
  'realtime.system_message.received',
  'realtime.subscription.created',
  'realtime.toasts.received',
  'realtime.stories.updated',
  'realtime.story_tip.received',
  'realtime.post.published',
  'realtime.post.updated',
  'realtime.post.expired',
  'realtime.post_fundraising.updated',
  'realtime.chat_queue.updated',
  'realtime.chat_queue.finished',
  'realtime.stream.announced',
  'realtime.stream.started',
  'realtime.stream.stopped',
  'realtime.stream.updated',
  'realtime.stream_viewer.joined',
  'realtime.stream_viewer.left',
  'realtime.stream_comment.received',
  'realtime.stream_like.received',
  'realtime.stream_tip.received',
  /** A frame whose top-level key the relay does not know (new upstream kinds appear): eventBody is the frame. */
  'realtime.other.received',
] as const;

export const ACTIVITY_EVENT_TYPES = [
  'activity.message.received',
  'activity.tip.received',
  'activity.subscriber.new',
  'activity.message.deleted',
  'activity.post.published',
] as const;

export const REALTIME_EVENT_TYPES = [...REALTIME_FRAME_EVENT_TYPES, ...ACTIVITY_EVENT_TYPES] as const;

export type RealtimeFrameEventType = (typeof REALTIME_FRAME_EVENT_TYPES)[number];
export type ActivityEventType = (typeof ACTIVITY_EVENT_TYPES)[number];
export type RealtimeEventType = RealtimeFrameEventType | ActivityEventType;

/**
 * High-volume kinds (BP counted three typing frames per counter frame): delivered only to endpoints that list them
 * in their eventTypes, never to an endpoint that takes every event, and left out of the event stream unless asked.
 */
export const EXPLICIT_ONLY_EVENT_TYPES: readonly string[] = [
  'realtime.chat_typing.updated',
  'realtime.inbox_counts.updated',
  'realtime.system_messages.updated',
  'realtime.stream_viewer.joined',
  'realtime.stream_viewer.left',
  'realtime.stream_like.received',
];

export function isRealtimeEventType(type: string): type is RealtimeEventType {
  return (REALTIME_EVENT_TYPES as readonly string[]).includes(type);
}
