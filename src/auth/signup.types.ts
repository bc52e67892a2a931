import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "A request taken in; what follows goes by e-mail, so the answer says nothing about the address." })
export class AcceptedPayload {
  @Field({ description: "Always true: the request was taken in." })
  accepted!: boolean;

  @Field({ description: "What to do next, in words." })
  message!: string;
}
