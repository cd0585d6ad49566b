// A minimal typed client over the generated documents: what a web app would write.
// `tsc --strict` checks it against generated/ (from schema.graphql and README.md), so
// a schema or README change that breaks a typed caller fails CI.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { InviteMemberDocument, ViewerDocument } from './generated/graphql';
import type { InvitationReceivedSubscription } from './generated/graphql';

type Variables<V> = V extends { [key: string]: never } ? [] : [variables: V];

/** POSTs a typed operation to orgraph; throws on GraphQL errors (their `extensions.code`). */
export async function request<R, V>(
  url: string,
  token: string,
  document: TypedDocumentNode<R, V>,
  ...[variables]: Variables<V>
): Promise<R> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const first = body.errors?.[0];
  if (first) throw new Error(`${first.extensions?.code ?? 'ERROR'}: ${first.message}`);
  if (body.data == null) throw new Error(`HTTP ${res.status} without data`);
  return body.data;
}

export async function mySlugs(url: string, token: string): Promise<string[]> {
  const { viewer } = await request(url, token, ViewerDocument);
  return viewer.organizations?.nodes.map((o) => o.slug) ?? [];
}

export async function invite(url: string, token: string, org: string): Promise<string> {
  const data = await request(url, token, InviteMemberDocument, { org });
  return data.inviteMember.invitation.id;
}

export const describeInvitation = (e: InvitationReceivedSubscription): string =>
  `${e.invitationReceived.organization.name} invites ${e.invitationReceived.email} as ${e.invitationReceived.role.key}`;
