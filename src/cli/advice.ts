import type { KvError } from "../core/errors.js";
import { ARG, RULES } from "./advice-rules.js";

/**
 * What a catalogue entry says, as a pattern made from the entry itself: each argument given as ARG
 * becomes a capture. The advice then follows the catalogue's wording wherever it changes.
 */
function shape(text: string | undefined): RegExp {
  const escaped = (text ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replaceAll(ARG, "(.*)")}$`, "s");
}

const PATTERNS = RULES.map((rule) => ({ rule, hint: shape(rule.says.hint), message: shape(rule.says.message) }));

/** The error as the CLI reports it: the catalogue's code and message, with the CLI's own hint where it has one. */
export function withCliAdvice(e: KvError): KvError {
  for (const { rule, hint, message } of PATTERNS) {
    if (rule.code !== undefined && e.code !== rule.code) continue;
    const onHint = hint.exec(e.hint ?? "");
    if (!onHint) continue;
    const onMessage = rule.on === "message" ? message.exec(e.message) : undefined;
    if (onMessage === null) continue;
    return e.withHint(rule.cli({ hint: onHint.slice(1), message: onMessage?.slice(1) ?? [], details: e.details ?? {} }));
  }
  return e;
}
