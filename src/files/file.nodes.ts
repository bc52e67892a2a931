import { registerNode } from "../common/node-registry";
import { readableAttachment } from "./file.read";
import { readableDocument } from "./tender-documents.service";

/** `node(id)` for files: the rules of their subject (the tender's readers, the bid's). */
registerNode("TenderDocument", (ctx, id) => readableDocument(ctx, id));
registerNode("BidAttachment", (ctx, id) => readableAttachment(ctx, id));
