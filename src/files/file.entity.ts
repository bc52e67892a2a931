import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Bid } from "../bids/bid.entity";
import { Tender } from "../tenders/tender.entity";
import { AttachmentCategory, TenderDocumentKind } from "./file.enums";
import type { StorageKind } from "./storage/file-storage";

/**
 * What every stored file records: its name and versions, and where and what its bytes are. A file
 * is never removed: deleting marks it (who, when), and a new upload under the same name is a new
 * version pointing at the previous one.
 */
@ObjectType("FileRecord", { description: "Fields shared by tender documents and bid attachments; never emitted on its own." })
export abstract class FileRecord extends BaseEntity {
  @Field(() => String, {
    description: "The file name, as uploaded (path and control characters removed); for a link, the notice's document id or the link's address.",
  })
  @Property({ type: "string", length: 255 })
  fileName!: string;

  /** Versions are counted per subject and name key (case-insensitive, NFC). */
  @Property({ type: "string", length: 300 })
  nameKey!: string;

  @Field(() => Int, { description: "1 for the first upload under this name; each upload under the same name adds one." })
  @Property({ type: "int" })
  version!: number;

  @Field(() => String, { nullable: true, description: "The media type checked on the bytes (PDF, DOCX, XLSX, ODT, PNG, JPEG); null for a link." })
  @Property({ type: "string", length: 100, nullable: true })
  contentType: string | null = null;

  @Field(() => Int, { nullable: true, description: "Size in bytes; null for a link." })
  @Property({ type: "int", nullable: true })
  size: number | null = null;

  @Field(() => String, { nullable: true, description: "SHA-256 of the bytes, lower-case hex (also the download's ETag and Content-Digest); null for a link." })
  @Property({ type: "string", length: 64, nullable: true })
  sha256: string | null = null;

  /** Which storage holds the bytes, and under which key; never shown. */
  @Property({ type: "string", length: 16, nullable: true })
  storage: StorageKind | null = null;

  @Property({ type: "string", length: 100, nullable: true })
  storageKey: string | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  uploadedBy: User | null = null;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: "When it was marked deleted; null while current. Its content is kept and still downloadable.",
  })
  @Property({ type: "datetime", nullable: true })
  deletedAt: Opt<Date> | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  deletedBy: User | null = null;
}

@ObjectType({ implements: Node, description: "A document of a tender (its DCE): a file uploaded here, or a link from the imported notice." })
@Entity({ tableName: "tender_documents" })
@Unique({ properties: ["tender", "nameKey", "version"] })
export class TenderDocument extends FileRecord {
  @ManyToOne(() => Tender, { deleteRule: "cascade" })
  @Index()
  tender!: Tender;

  @Field(() => TenderDocumentKind, { description: "A stored file or a link." })
  @Enum({ items: () => TenderDocumentKind, nativeEnumName: "tender_document_kind" })
  kind!: TenderDocumentKind;

  @Field(() => String, { nullable: true, description: "For a link: the address given by the notice (BT-15, or BT-615 for restricted documents)." })
  @Property({ type: "string", length: 2000, nullable: true })
  url: string | null = null;

  @Field(() => Boolean, {
    nullable: true,
    description: "For a link: true when the notice says access is restricted (BT-14), so the buyer's platform asks for registration.",
  })
  @Property({ type: "boolean", nullable: true })
  restricted: boolean | null = null;

  @ManyToOne(() => TenderDocument, { nullable: true, deleteRule: "set null" })
  previousVersion: TenderDocument | null = null;
}

@ObjectType({
  implements: Node,
  description: "A file attached to a bid: a certificate, a reference, a signed form. Frozen with the bid's content at submission.",
})
@Entity({ tableName: "bid_attachments" })
@Unique({ properties: ["bid", "nameKey", "version"] })
export class BidAttachment extends FileRecord {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  @Index()
  bid!: Bid;

  @Field(() => AttachmentCategory, { description: "What it is." })
  @Enum({ items: () => AttachmentCategory, nativeEnumName: "attachment_category" })
  category!: AttachmentCategory;

  @ManyToOne(() => BidAttachment, { nullable: true, deleteRule: "set null" })
  previousVersion: BidAttachment | null = null;
}
