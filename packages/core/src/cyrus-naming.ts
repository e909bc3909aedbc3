/**
 * Cyrus mailbox names with `virtdomains: userid` and `unixhierarchysep: yes`
 * (notes/cyrus.md §3): the domain always goes at the end.
 *   INBOX            user/alice@example.com
 *   Sent             user/alice/Sent@example.com
 *   Archive/2023     user/alice/Archive/2023@example.com
 */
export function cyrusMailboxName(address: string, folder?: string): string {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const path = folder && folder.toUpperCase() !== 'INBOX' ? `${local}/${folder}` : local;
  return `user/${path}@${domain}`;
}

/** The folders every new mailbox gets, with their RFC 6154 special-use attribute. */
export const DEFAULT_FOLDERS: readonly { name: string; specialUse: string }[] = [
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];
