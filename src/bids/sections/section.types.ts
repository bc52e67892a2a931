import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { SectionMessageKind } from "./section-protocol";

registerEnumType(SectionMessageKind, {
  name: "SectionMessageKind",
  description: "Whence a message of `sectionUpdates` comes.",
  valuesConfig: {
    SYNC: { description: "The first message: y-protocols sync step 2 (what the subscriber lacks given its state vector), with the server's state vector." },
    RELAYED: { description: "Another editor's Yjs update, relayed before it is durable (provisional: the sync exchange recovers it should its commit fail)." },
    DURABLE: {
      description:
        "The section's text is committed in the bid's log up to `seq` (one message per commit). It carries the committed updates this subscriber was not relayed (it joined after the relay, or the relay never reached its instance), and an empty update (\"AAICAAA=\") when it holds them all already; applying it is always safe.",
    },
    AWARENESS: { description: "A y-protocols awareness update (cursors, selections, names, colours): ephemeral, never stored." },
  },
});

@ObjectType({ description: "One message of a section's stream, framed as y-websocket and Hocuspocus frame theirs." })
export class SectionMessage {
  @Field(() => SectionMessageKind, { description: "Whence the message comes." })
  kind!: SectionMessageKind;

  @Field({ description: "Base64 of a y-protocols message: varUint type (0 sync, 1 awareness), then a sync step 2 or update, or an awareness update." })
  message!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      "DURABLE and RELAYED: the section's text is durable up to this seq of the bid's log, and this subscriber holds it all (a relay carries the mark under steady typing, instead of a DURABLE message of its own); SYNC: seq of the last text update the answer includes.",
  })
  seq!: number | null;

  @Field(() => String, { nullable: true, description: "SYNC: base64 of the server's state vector; send what it lacks with applySectionUpdate." })
  stateVector!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "DURABLE covering one update: the clientMutationId it was sent with (null when the message covers several).",
  })
  clientMutationId!: string | null;
}

@InputType({ description: "The viewer's awareness in a section (cursor, selection, name, colour)." })
export class SectionAwarenessInput {
  @Field(() => ID, { description: "The section." })
  sectionId!: string;

  @Field({ description: "Base64 of a y-protocols awareness update (encodeAwarenessUpdate), at most 16 KiB decoded." })
  update!: string;
}
