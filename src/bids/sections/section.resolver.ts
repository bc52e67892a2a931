import { Arg, Authorized, Ctx, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { Context } from "../../context";
import { sendSectionAwareness, subscribeSectionUpdates } from "./section.live";
import { SectionAwarenessInput, SectionMessage } from "./section.types";

/** The live text of one section: its stream (sync, relayed and durable updates, awareness) and awareness. */
@Resolver()
export class SectionLiveResolver {
  @Authorized()
  @Subscription(() => SectionMessage, {
    description:
      "One section's live text (y-protocols messages): first the sync step 2 (what a document at `stateVector` lacks) with the server's state vector, then other editors' updates relayed before they are durable, the durable events with their seq, and awareness. Send what the server lacks with applySectionUpdate. Completes when the viewer loses access.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { sectionId: string; stateVector?: string | null }, Context>) =>
      subscribeSectionUpdates(context, args),
  })
  sectionUpdates(
    @Root() message: SectionMessage,
    @Arg("sectionId", () => ID, { description: "The section." }) _sectionId: string,
    @Arg("stateVector", () => String, { nullable: true, description: "Base64 of the subscriber's Y.encodeStateVector(doc); none: the whole document." })
    _stateVector?: string | null,
  ): SectionMessage {
    return message;
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      "Shares the viewer's awareness in a section (cursor, selection, name, colour) with its other subscribers; ephemeral (expires after 30 s unless renewed), never stored.",
  })
  sendSectionAwareness(
    @Arg("input", () => SectionAwarenessInput, { description: "The awareness update." }) input: SectionAwarenessInput,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return sendSectionAwareness(ctx, input);
  }
}
