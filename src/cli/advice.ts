import type { KvError } from "../core/errors.js";
import { ARG, cliRules, type Rule } from "./advice-rules.js";

/**
 * What a catalogue entry says, as a pattern made from the entry itself: each argument given as ARG
 * becomes a capture. The advice then follows the catalogue's wording wherever it changes.
 */
function shape(text: string | undefined): RegExp {
  const escaped = (text ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replaceAll(ARG, "(.*)")}$`, "s");
}

let patterns: { rule: Rule; hint: RegExp; message: RegExp }[] | undefined;

/**
 * The error as the CLI reports it: the catalogue's code and message, with the CLI's own hint where it has one.
 * The rules are made on the first error reported, not when the CLI loads: making the catalogue's errors
 * formats numbers, and the first number formatted loads ICU's locale data, which would cost every
 * command's start-up (about 15 ms) for advice most runs never give.
 */
export function withCliAdvice(e: KvError): KvError {
  patterns ??= cliRules().map((rule) => ({ rule, hint: shape(rule.says.hint), message: shape(rule.says.message) }));
  for (const { rule, hint, message } of patterns) {
    if (rule.code !== undefined && e.code !== rule.code) continue;
    const onHint = hint.exec(e.hint ?? "");
    if (!onHint) continue;
    const onMessage = rule.on === "message" ? message.exec(e.message) : undefined;
    if (onMessage === null) continue;
    return e.withHint(rule.cli({ hint: onHint.slice(1), message: onMessage?.slice(1) ?? [], details: e.details ?? {} }));
  }
  return e;
}
