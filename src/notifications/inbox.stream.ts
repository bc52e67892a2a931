import { User } from "../auth/user.entity";
import { UnauthenticatedError } from "../common/errors";
import { endOnAccessLoss, type Context } from "../context";
import { mapIterator, subscribe } from "../realtime/bus";
import { Notification } from "./notification.entity";
import { NOTIFICATIONS_CHANNEL, type NotificationNotice } from "./notify";

/**
 * The viewer's new notifications, live: every instance hears the notices of notifyPeople on the
 * bus at commit; this socket keeps those naming its person and reads them from the inbox with a
 * fresh entity manager. Ends when the person's access ends (signed out, deleted: the socket is
 * closed by live-access; the check here covers an account gone without a token change).
 */
export function notificationStream(ctx: Context): AsyncIterableIterator<Notification> {
  const viewer = ctx.viewer;
  if (viewer.kind !== "USER") throw new UnauthenticatedError();
  const userId = viewer.userId;
  const notices = subscribe<NotificationNotice>(
    ctx.app.bus,
    NOTIFICATIONS_CHANNEL,
    (notice) => Array.isArray(notice.userIds) && notice.userIds.includes(userId),
  );
  // One notice may carry several of this person's notifications: they are delivered one by one.
  const pending: Notification[] = [];
  const rows = mapIterator(notices, async (notice) => {
    const ids = notice.ids.filter((_, i) => notice.userIds[i] === userId);
    const em = ctx.app.orm.em.fork();
    return em.find(Notification, { id: { $in: ids }, recipient: userId }, { orderBy: { createdAt: "asc", id: "asc" } });
  });
  const stream: AsyncIterableIterator<Notification> = {
    async next() {
      while (pending.length === 0) {
        const batch = await rows.next();
        if (batch.done) return { value: undefined, done: true };
        pending.push(...batch.value);
      }
      return { value: pending.shift() as Notification, done: false };
    },
    async return() {
      await rows.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await rows.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const stillThere = async () => (await ctx.app.orm.em.fork().count(User, { id: userId })) > 0;
  return endOnAccessLoss(ctx, stream, stillThere);
}
