import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { ApiScope } from "./roles";
import { ApiToken } from "./api-token.entity";
import { User } from "./user.entity";

export enum AccountType {
  MEMBER = "MEMBER",
  CLIENT = "CLIENT",
}

registerEnumType(AccountType, {
  name: "AccountType",
  description: "The kind of account a person opens; staff roles are granted by an admin.",
  valuesConfig: {
    MEMBER: { description: "Someone working in a member cooperative." },
    CLIENT: { description: "A client company that places direct orders." },
  },
});

@InputType({ description: "Opening an account." })
export class SignUpInput {
  @Field({ description: "Email used to sign in." })
  email!: string;

  @Field({ description: "Display name." })
  name!: string;

  @Field({ description: "10 to 200 characters, hard to guess: a few uncommon words do well. A weak one is refused with the reason." })
  password!: string;

  @Field(() => AccountType, { defaultValue: AccountType.MEMBER, description: "Member of a cooperative or client." })
  accountType!: AccountType;
}

@InputType({ description: "Signing in with email and password." })
export class SignInInput {
  @Field({ description: "Email of the account." })
  email!: string;

  @Field({ description: "Password of the account." })
  password!: string;
}

@ObjectType({ description: "A signed session: send the token as `Authorization: Bearer <token>`." })
export class AuthPayload {
  @Field({ description: "Signed token (JWT)." })
  token!: string;

  @Field(() => GraphQLDateTimeISO, { description: "When the token expires." })
  expiresAt!: Date;

  @Field(() => User, { description: "The signed-in user." })
  user!: User;
}

@InputType({ description: "Creating an integrator's API token." })
export class CreateApiTokenInput {
  @Field({ description: "What the token is for." })
  name!: string;

  @Field(() => [ApiScope], { description: "What it may do." })
  scopes!: ApiScope[];
}

@ObjectType({ description: "A new API token with its secret, shown this once." })
export class CreatedApiToken {
  @Field({ description: "The secret: send it as `Authorization: Bearer <secret>`. It is not stored in clear." })
  secret!: string;

  @Field(() => ApiToken, { description: "The token's record." })
  apiToken!: ApiToken;
}
