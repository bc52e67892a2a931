import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "../common/pagination";
import { Notification } from "./notification.entity";
import { NotificationKind } from "./notification.enums";
import { NotificationDelivery } from "./preferences";

@ObjectType({ description: "A page of the viewer's inbox, newest first, with the count of unread notifications." })
export class NotificationConnection extends Connection(Notification, "Notification", "notification") {
  @Field(() => Int, { description: "How many of the viewer's notifications are unread (whatever the page and `unreadOnly`)." })
  unreadCount!: number;
}

@InputType({ description: "Which notifications to mark read: some by id, or all of them." })
export class MarkNotificationsReadInput {
  @Field(() => [ID], { nullable: true, description: "Notifications of the viewer's inbox (1 to 100); give this or `all`." })
  ids?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "True to mark every notification of the inbox read; give this or `ids`." })
  all?: boolean | null;
}

@ObjectType({ description: "What marking read changed." })
export class MarkNotificationsReadPayload {
  @Field(() => Int, { description: "How many notifications went from unread to read." })
  marked!: number;

  @Field(() => Int, { description: "How many remain unread." })
  unreadCount!: number;
}

@ObjectType({ description: "How one kind of notification reaches the viewer by e-mail." })
export class NotificationPreferenceSetting {
  @Field(() => NotificationKind, { description: "The kind of notification." })
  kind!: NotificationKind;

  @Field(() => NotificationDelivery, { description: "By e-mail: not at all, at once, or in the daily digest." })
  delivery!: NotificationDelivery;

  @Field({ description: "True when this is the platform's default (the person never chose for this kind)." })
  isDefault!: boolean;
}

@InputType({ description: "How one kind of notification should reach the viewer by e-mail." })
export class NotificationPreferenceInput {
  @Field(() => NotificationKind, { description: "The kind of notification." })
  kind!: NotificationKind;

  @Field(() => NotificationDelivery, { description: "By e-mail: not at all, at once, or in the daily digest." })
  delivery!: NotificationDelivery;
}
