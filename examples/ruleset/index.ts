// The example rule set: every effect family, in six small rules.
import { RBL_SENDER_IP } from './dnsbl.ts';
import { URIBL_LISTED } from './uribl.ts';
import { SENDER_RATE } from './reputation.ts';
import { CONTENT_SCORE } from './content.ts';
import { HELO_CHECK } from './line-check.ts';
import { SENDER_DOMAIN } from './sender-domain.ts';

export const ruleset = [RBL_SENDER_IP, URIBL_LISTED, SENDER_RATE, CONTENT_SCORE, HELO_CHECK, SENDER_DOMAIN];

export { RBL_SENDER_IP, URIBL_LISTED, SENDER_RATE, CONTENT_SCORE, HELO_CHECK, SENDER_DOMAIN };
