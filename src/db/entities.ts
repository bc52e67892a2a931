import { ApiToken } from "../auth/api-token.entity";
import { Session } from "../auth/session.entity";
import { EmailVerification } from "../auth/email-verification.entity";
import { User } from "../auth/user.entity";
import { OutboxMail } from "../mail/outbox.entity";
import { Notification } from "../notifications/notification.entity";
import { ConversationHead, ConversationMessage, ConversationRead } from "../conversations/conversation.entity";
import { NotificationPreference } from "../notifications/preference.entity";
import { SavedSearch } from "../alerts/saved-search.entity";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "../cooperatives/cooperative.entity";
import { CooperativeInvitation } from "../cooperatives/invitation.entity";
import { Bid, BidEvent, BidLot, BidLotAssignment, BidMember, BidPriceLine, BidSection } from "../bids/bid.entity";
import { ClientOrganisation, OfferAnswer } from "../clients/client.entity";
import { BidAttachment, TenderDocument } from "../files/file.entity";
import { Lot, Outcome, ShortlistEntry, Tender, TenderNotice } from "../tenders/tender.entity";
import { Place } from "../places/place.embeddable";

/** Every entity of the schema, listed once for the app, the tests and the CLI. */
export const ENTITIES = [
  Place,
  User,
  Session,
  ApiToken,
  Cooperative,
  CooperativeSkill,
  CooperativeReference,
  Membership,
  CooperativeInvitation,
  Tender,
  Lot,
  TenderNotice,
  ShortlistEntry,
  Outcome,
  Bid,
  BidMember,
  BidLot,
  BidLotAssignment,
  BidSection,
  BidPriceLine,
  BidEvent,
  EmailVerification,
  OutboxMail,
  Notification,
  NotificationPreference,
  ConversationHead,
  ConversationMessage,
  ConversationRead,
  SavedSearch,
  ClientOrganisation,
  OfferAnswer,
  TenderDocument,
  BidAttachment,
];
