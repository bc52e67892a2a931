import { ArgsType, Field, ID, InputType, Int } from "type-graphql";
import { MAX_PAGE_SIZE } from "../common/pagination";
import { MAX_MESSAGE_LENGTH } from "./conversation.policy";

/**
 * A conversation's messages, oldest first. A chat opens on the newest page (`last`, the default)
 * and scrolls back with `last` + `before: pageInfo.startCursor`; it catches up forwards with
 * `first` + `after: pageInfo.endCursor`. `first` and `last` do not mix.
 */
@ArgsType()
export class MessagesArgs {
  @Field(() => Int, { nullable: true, description: `The oldest messages (after \`after\`, when given): 1-${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Messages after this cursor (with `first`): catching up." })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `The newest messages (before \`before\`, when given): 1-${MAX_PAGE_SIZE}; 20 when neither \`first\` nor \`last\` is given.`,
  })
  last?: number | null;

  @Field(() => String, { nullable: true, description: "Messages before this cursor (with `last`): scrolling back." })
  before?: string | null;
}

@InputType({ description: "A message to post." })
export class PostMessageInput {
  @Field(() => ID, { description: "The conversation (`Tender.conversation.id`, `Bid.conversation.id`)." })
  conversationId!: string;

  @Field({ description: `The text: 1 to ${MAX_MESSAGE_LENGTH} characters once trimmed; line breaks are kept.` })
  body!: string;

  @Field(() => String, {
    nullable: true,
    description: "Your retry key (1-100 characters): the same key and body return the first message again; the same key with another body is a CONFLICT.",
  })
  clientMutationId?: string | null;
}

@InputType({ description: "How far the viewer has read a conversation." })
export class MarkConversationReadInput {
  @Field(() => ID, { description: "The conversation." })
  conversationId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The last message read (a message of this conversation); every message, when omitted. A marker never moves back.",
  })
  upTo?: string | null;
}
