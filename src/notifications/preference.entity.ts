import { Entity, Enum, ManyToOne, Unique, type Ref } from "@mikro-orm/core";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { NotificationKind } from "./notification.enums";
import { NotificationDelivery } from "./preferences";

/** A person's choice for one kind; a kind without a row takes its default (preferences.ts). */
@Entity({ tableName: "notification_preferences" })
@Unique({ properties: ["user", "kind"] })
export class NotificationPreference extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: "cascade" })
  user!: Ref<User>;

  @Enum({ items: () => NotificationKind, nativeEnumName: "notification_kind" })
  kind!: NotificationKind;

  @Enum({ items: () => NotificationDelivery, nativeEnumName: "notification_delivery" })
  delivery!: NotificationDelivery;
}
