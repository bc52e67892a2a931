import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Mutation, Resolver, Root, Subscription } from "type-graphql";
import { User } from "../auth/user.entity";
import type { Viewer } from "../auth/viewer";
import { ForbiddenError } from "../common/errors";
import { PageArgs } from "../common/pagination";
import type { Context } from "../context";
import * as inbox from "./inbox.service";
import { notificationStream } from "./inbox.stream";
import { Notification } from "./notification.entity";
import {
  MarkNotificationsReadInput,
  MarkNotificationsReadPayload,
  NotificationConnection,
  NotificationPreferenceInput,
  NotificationPreferenceSetting,
} from "./notification.types";

@ArgsType()
class InboxArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: "Only the unread notifications (default false)." })
  unreadOnly?: boolean | null;
}

/** An inbox is its person's alone: staff reading another user's record do not read their inbox. */
function ownerOnly(viewer: Viewer, user: User): string {
  if (viewer.kind !== "USER" || viewer.userId !== user.id) throw new ForbiddenError("Only its person reads an inbox and its settings.");
  return user.id;
}

/** The signed-in person's id: inboxes belong to people, not to API tokens. */
function personOf(viewer: Viewer): string {
  if (viewer.kind !== "USER") throw new ForbiddenError("API tokens have no inbox.");
  return viewer.userId;
}

@Resolver(() => User)
export class UserInboxResolver {
  @FieldResolver(() => NotificationConnection, { description: "This person's inbox, newest first (only on `viewer`: another person's inbox is FORBIDDEN)." })
  async notifications(@Root() user: User, @Args(() => InboxArgs) args: InboxArgs, @Ctx() { em, viewer }: Context): Promise<NotificationConnection> {
    return inbox.inbox(em, ownerOnly(viewer, user), args);
  }

  @FieldResolver(() => [NotificationPreferenceSetting], { description: "How each kind of notification reaches this person by e-mail (only on `viewer`)." })
  async notificationPreferences(@Root() user: User, @Ctx() { em, viewer }: Context): Promise<NotificationPreferenceSetting[]> {
    return inbox.preferencesOf(em, ownerOnly(viewer, user));
  }
}

@Resolver(() => Notification)
export class NotificationResolver {
  @Authorized()
  @Mutation(() => MarkNotificationsReadPayload, {
    description: "Marks notifications of the viewer's inbox read: some by id (another person's is NOT_FOUND), or all.",
  })
  markNotificationsRead(
    @Arg("input", () => MarkNotificationsReadInput, { description: "The notifications, or `all: true`." }) input: MarkNotificationsReadInput,
    @Ctx() { em, viewer }: Context,
  ): Promise<MarkNotificationsReadPayload> {
    return inbox.markRead(em, personOf(viewer), input);
  }

  @Authorized()
  @Mutation(() => [NotificationPreferenceSetting], {
    description: "Chooses how some kinds of notification reach the viewer by e-mail; returns every kind's setting.",
  })
  setNotificationPreferences(
    @Arg("preferences", () => [NotificationPreferenceInput], { description: "One line per kind to change (each kind at most once); other kinds keep theirs." })
    preferences: NotificationPreferenceInput[],
    @Ctx() { em, viewer }: Context,
  ): Promise<NotificationPreferenceSetting[]> {
    return inbox.setPreferences(em, personOf(viewer), preferences);
  }

  @Authorized()
  @Subscription(() => Notification, {
    description: "The viewer's new notifications, live, from every instance; ends when the person's access does.",
    subscribe: ({ context }) => notificationStream(context as Context),
  })
  notifications(@Root() notification: Notification): Notification {
    return notification;
  }
}
