import { endOnAccessLoss, type Context } from "../context";
import { mapIterator, subscribe } from "../realtime/bus";
import { ConversationMessage } from "./conversation.entity";
import { CONVERSATION_MESSAGES, loadConversation, readableConversation, type MessagePosted } from "./conversation.service";

/**
 * `conversationMessages(conversationId)`: the messages posted from now on, on any instance (the
 * bus carries each one at commit). Authorized at start with the rule of `node(id)`; ends at once
 * when its person stops taking part (removed from the bid, cooperative left or removed; a role
 * change or a sign-out closes the whole socket). Each event is read with a fresh entity manager.
 * Earlier messages come from `Conversation.messages`: subscribe first, then page back, and skip
 * ids already shown.
 */
export async function conversationMessageStream(ctx: Context, globalId: string): Promise<AsyncIterableIterator<ConversationMessage>> {
  const conversation = await loadConversation(ctx.em, ctx.viewer, globalId, "conversationId");
  const stillTakesPart = async () => (await readableConversation(ctx.app.orm.em.fork(), ctx.viewer, conversation.id)) !== null;
  const posted = subscribe<MessagePosted>(ctx.app.bus, CONVERSATION_MESSAGES, (event) => event.conversationId === conversation.id);
  const stream = mapIterator(posted, async ({ messageId }) => {
    const message = await ctx.app.orm.em.fork().findOne(ConversationMessage, { id: messageId }, { populate: ["author"] });
    return message ?? undefined;
  });
  return endOnAccessLoss(ctx, stream, stillTakesPart);
}
