import { Field, FieldResolver, ObjectType, Resolver, Root } from "type-graphql";
import { Bid } from "../bid.entity";
import { BID_EXPORTS, exportable, exportPath, type BidExportFile } from "./export.routes";

@ObjectType({ description: "A document a submitted bid is exported as, downloaded over HTTP with the same bearer token as the API." })
export class BidExport {
  @Field({ description: "What it is, e.g. `Mémoire technique`, `Bordereau de prix`." })
  name!: string;

  @Field({ description: "Its file name, e.g. `memo.docx`." })
  fileName!: string;

  @Field({ description: "Its media type (DOCX or XLSX)." })
  mediaType!: string;

  @Field({ description: "Where to GET it, relative to the server (e.g. `/exports/bids/<id>/memo.docx`); readable by the bid's members and the staff only." })
  url!: string;
}

@Resolver(() => Bid)
export class BidExportResolver {
  @FieldResolver(() => [BidExport], {
    description:
      "The documents of the submitted bid: the technical memo (DOCX: group composition, lots and their members, sections in order) and the price schedule (XLSX: one sheet per lot, totals without and with VAT at the tender's rate). Empty before submission (a download then answers 409 INVALID_STATE).",
  })
  exports(@Root() bid: Bid): BidExport[] {
    if (!exportable(bid)) return [];
    return (Object.keys(BID_EXPORTS) as BidExportFile[]).map((file) => ({
      name: BID_EXPORTS[file].name,
      fileName: file,
      mediaType: BID_EXPORTS[file].mediaType,
      url: exportPath(bid.id, file),
    }));
  }
}
