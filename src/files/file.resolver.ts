import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { User } from "../auth/user.entity";
import { toGlobalId } from "../common/node";
import type { Context } from "../context";
import { Bid } from "../bids/bid.entity";
import { Tender } from "../tenders/tender.entity";
import { tenderFacts, viewerLinks } from "../tenders/tender.queries";
import { attachmentVersions, deleteBidAttachment, listBidAttachments } from "./bid-attachments.service";
import { BidAttachment, TenderDocument, type FileRecord } from "./file.entity";

import { canOnTenderDocuments } from "./file.policy";
import { downloadPath } from "./file.read";
import { deleteTenderDocument, documentVersions, listTenderDocuments } from "./tender-documents.service";

const INCLUDE_DELETED = { defaultValue: false, description: "Also the files whose current version is deleted (with `deletedAt`)." };

async function personName(ctx: Context, user: User | null): Promise<string | null> {
  return user ? ((await ctx.em.findOne(User, { id: user.id }, { fields: ["name"] }))?.name ?? null) : null;
}

/** Fields of a stored file that are computed, shared by both types. */
function fileFields<T extends FileRecord>(type: "TenderDocument" | "BidAttachment") {
  @Resolver(() => (type === "TenderDocument" ? TenderDocument : BidAttachment))
  abstract class FileFields {
    @FieldResolver(() => ID, { nullable: true, description: "Global id of the person who uploaded it; null for a notice's link or a removed account." })
    uploadedById(@Root() file: T): string | null {
      return file.uploadedBy ? toGlobalId("User", file.uploadedBy.id) : null;
    }

    @FieldResolver(() => String, { nullable: true, description: "Display name of the person who uploaded it." })
    uploadedByName(@Root() file: T, @Ctx() ctx: Context): Promise<string | null> {
      return personName(ctx, file.uploadedBy);
    }

    @FieldResolver(() => Date, { description: "When this version was uploaded (or, for a link, imported)." })
    uploadedAt(@Root() file: T): Date {
      return file.createdAt;
    }

    @FieldResolver(() => ID, {
      nullable: true,
      description: "Global id of the person who marked it deleted; null while current, or when an imported notice stopped listing a link.",
    })
    deletedById(@Root() file: T): string | null {
      return file.deletedBy ? toGlobalId("User", file.deletedBy.id) : null;
    }

    @FieldResolver(() => String, {
      nullable: true,
      description:
        "Where to GET the bytes, relative to the server (`/files/<id>`), with the API's bearer token; null for a link. Deleted versions stay downloadable.",
    })
    downloadUrl(@Root() file: T): string | null {
      return file.storageKey ? downloadPath(type, file.id) : null;
    }
  }
  return FileFields;
}

@Resolver(() => TenderDocument)
export class TenderDocumentResolver extends fileFields<TenderDocument>("TenderDocument") {
  @FieldResolver(() => TenderDocument, { nullable: true, description: "The version this one replaced (same name), null for version 1." })
  previousVersion(@Root() doc: TenderDocument, @Ctx() ctx: Context): Promise<TenderDocument | null> {
    return doc.previousVersion ? ctx.em.findOne(TenderDocument, { id: doc.previousVersion.id }) : Promise.resolve(null);
  }

  @FieldResolver(() => [TenderDocument], { description: "Every version of this name, newest first, deleted ones included: the document's history." })
  versions(@Root() doc: TenderDocument, @Ctx() ctx: Context): Promise<TenderDocument[]> {
    return documentVersions(ctx.em, doc);
  }

  @Authorized()
  @Mutation(() => TenderDocument, {
    description:
      "Marks the current version of a tender document deleted (who, when); its content is kept and its history listed. Mission officers, admins and the client of the order; INVALID_STATE for an older version or one already deleted.",
  })
  deleteDocument(@Arg("id", () => ID, { description: "Global id of the TenderDocument." }) id: string, @Ctx() ctx: Context): Promise<TenderDocument> {
    return deleteTenderDocument(ctx, id);
  }
}

@Resolver(() => BidAttachment)
export class BidAttachmentResolver extends fileFields<BidAttachment>("BidAttachment") {
  @FieldResolver(() => BidAttachment, { nullable: true, description: "The version this one replaced (same name), null for version 1." })
  previousVersion(@Root() attachment: BidAttachment, @Ctx() ctx: Context): Promise<BidAttachment | null> {
    return attachment.previousVersion ? ctx.em.findOne(BidAttachment, { id: attachment.previousVersion.id }) : Promise.resolve(null);
  }

  @FieldResolver(() => [BidAttachment], { description: "Every version of this name, newest first, deleted ones included." })
  versions(@Root() attachment: BidAttachment, @Ctx() ctx: Context): Promise<BidAttachment[]> {
    return attachmentVersions(ctx.em, attachment);
  }

  @Authorized()
  @Mutation(() => BidAttachment, {
    description:
      "Marks the current version of a bid attachment deleted; its content is kept and co-editors receive ATTACHMENT_DELETED. The lead's people, or the person who uploaded it; INVALID_STATE once the bid is submitted.",
  })
  deleteAttachment(@Arg("id", () => ID, { description: "Global id of the BidAttachment." }) id: string, @Ctx() ctx: Context): Promise<BidAttachment> {
    return deleteBidAttachment(ctx, id);
  }
}

@Resolver(() => Tender)
export class TenderDocumentsResolver {
  @FieldResolver(() => [TenderDocument], {
    description:
      "The tender's documents (DCE), newest first: the current version of each file uploaded by an officer or the client (upload: `POST /files/tenders/<id>`), and the links of its imported notice.",
  })
  async documents(
    @Root() tender: Tender,
    @Arg("includeDeleted", () => Boolean, INCLUDE_DELETED) includeDeleted: boolean,
    @Ctx() ctx: Context,
  ): Promise<TenderDocument[]> {
    const facts = tenderFacts(tender);
    const readable =
      canOnTenderDocuments(ctx.viewer, "read", facts) || canOnTenderDocuments(ctx.viewer, "read", facts, await viewerLinks(ctx.em, ctx.viewer, tender.id));
    return readable ? listTenderDocuments(ctx.em, tender.id, includeDeleted) : [];
  }
}

@Resolver(() => Bid)
export class BidAttachmentsResolver {
  @FieldResolver(() => [BidAttachment], {
    description: "The bid's attachments (certificates, references, signed forms), newest first, current versions (upload: `POST /files/bids/<id>?category=`).",
  })
  attachments(@Root() bid: Bid, @Arg("includeDeleted", () => Boolean, INCLUDE_DELETED) includeDeleted: boolean, @Ctx() ctx: Context): Promise<BidAttachment[]> {
    return listBidAttachments(ctx.em, bid.id, includeDeleted);
  }
}
