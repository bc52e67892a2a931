import { GraphQLDateTimeISO } from "graphql-scalars";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { Bid } from "../bids/bid.entity";
import { readableBid } from "../bids/bid.queries";
import { Connection } from "../common/pagination";
import type { Context } from "../context";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Tender } from "../tenders/tender.entity";
import { Conversation, ConversationMessage } from "./conversation.entity";
import { MarkConversationReadInput, MessagesArgs, PostMessageInput } from "./conversation.inputs";
import { conversationMessageStream } from "./conversation.live";
import * as conversations from "./conversation.service";

export const ConversationMessageConnection = Connection(ConversationMessage, "ConversationMessage", "message");

@Resolver(() => Conversation)
export class ConversationResolver {
  @FieldResolver(() => Tender, { nullable: true, description: "The direct order, or the tender of the bid; null when the viewer may not read it." })
  tender(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Tender | null> {
    return conversations.conversationTender(ctx, conversation);
  }

  @FieldResolver(() => Bid, {
    nullable: true,
    description: "The bid, for a bid's conversation (null otherwise, and when the viewer may not read the bid itself).",
  })
  bid(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Bid | null> {
    return conversation.bidId ? readableBid(ctx, conversation.bidId) : Promise.resolve(null);
  }

  @FieldResolver(() => ConversationMessageConnection, {
    description:
      "The messages, oldest first in each page. Open a chat with `last` (the newest page, the default), scroll back with `last` + `before: pageInfo.startCursor`, catch up with `first` + `after: pageInfo.endCursor`.",
  })
  messages(@Root() conversation: Conversation, @Args(() => MessagesArgs) args: MessagesArgs, @Ctx() ctx: Context) {
    return conversations.listMessages(ctx, conversation, args);
  }

  @FieldResolver(() => Int, { description: "Messages of others after the viewer's read marker." })
  unreadCount(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<number> {
    return conversations.unreadCount(ctx, conversation);
  }

  @FieldResolver(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "When the viewer last marked the conversation read (posting marks it too); null if never.",
  })
  async lastReadAt(@Root() conversation: Conversation, @Ctx() ctx: Context): Promise<Date | null> {
    return (await conversations.readMarker(ctx, conversation)).at;
  }

  @Authorized()
  @Mutation(() => ConversationMessage, {
    description:
      "Posts a message to a conversation the viewer takes part in (NOT_FOUND otherwise). Idempotent with `clientMutationId`. The other participants get a NEW_MESSAGE notification, at most one unread per conversation until they read it.",
  })
  postMessage(
    @Arg("input", () => PostMessageInput, { description: "The message." }) input: PostMessageInput,
    @Ctx() ctx: Context,
  ): Promise<ConversationMessage> {
    return conversations.postMessage(ctx, input);
  }

  @Authorized()
  @Mutation(() => Conversation, {
    description: "Moves the viewer's read marker forward (never back); reading everything also marks the conversation's NEW_MESSAGE notifications read.",
  })
  markConversationRead(
    @Arg("input", () => MarkConversationReadInput, { description: "The conversation and the last message read." }) input: MarkConversationReadInput,
    @Ctx() ctx: Context,
  ): Promise<Conversation> {
    return conversations.markConversationRead(ctx, input);
  }

  @Authorized()
  @Subscription(() => ConversationMessage, {
    description:
      "The messages posted to a conversation from now on, from every instance, for its participants; ends at once when the viewer stops taking part. Earlier ones: `Conversation.messages`.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { conversationId: string }, Context>) =>
      conversationMessageStream(context, args.conversationId),
  })
  conversationMessages(
    @Root() message: ConversationMessage,
    @Arg("conversationId", () => ID, { description: "The conversation to follow." }) _conversationId: string,
  ): ConversationMessage {
    return message;
  }
}

@Resolver(() => ConversationMessage)
export class ConversationMessageResolver {
  @FieldResolver(() => String, { nullable: true, description: "The author's name; null when their account was deleted." })
  authorName(@Root() message: ConversationMessage): string | null {
    return message.author?.isInitialized() ? message.author.getEntity().name : null;
  }

  @FieldResolver(() => Cooperative, { nullable: true, description: "The author's cooperative in the bid, when they wrote for it (side COOPERATIVE)." })
  authorCooperative(@Root() message: ConversationMessage, @Ctx() ctx: Context): Promise<Cooperative | null> {
    return message.authorCooperative ? ctx.em.fork().findOne(Cooperative, { id: message.authorCooperative.id }) : Promise.resolve(null);
  }

  @FieldResolver(() => Boolean, { description: "Whether the viewer wrote it." })
  mine(@Root() message: ConversationMessage, @Ctx() ctx: Context): boolean {
    return ctx.viewer.kind === "USER" && message.author?.id === ctx.viewer.userId;
  }
}

@Resolver(() => Tender)
export class TenderConversationResolver {
  @FieldResolver(() => Conversation, {
    nullable: true,
    description: "A direct order's conversation between its client and the mission officers; null for other tenders and for anyone who does not take part.",
  })
  conversation(@Root() tender: Tender, @Ctx() ctx: Context): Promise<Conversation | null> {
    return conversations.orderConversation(ctx, tender);
  }
}

@Resolver(() => Bid)
export class BidConversationResolver {
  @FieldResolver(() => Conversation, {
    nullable: true,
    description:
      "The bid's conversation between its cooperatives and the mission officers (and the order's client once the offer is submitted); null for anyone who does not take part.",
  })
  conversation(@Root() bid: Bid, @Ctx() ctx: Context): Promise<Conversation | null> {
    return conversations.bidConversation(ctx, bid);
  }
}
