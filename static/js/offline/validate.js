// The same rules as app/patrols/answering.py decide(): the phone refuses what the server would refuse.

export function parseNumber(raw) {
  const text = String(raw ?? "").trim().replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) && Math.abs(value) <= 1e9 ? value : null;
}

function outOfRange(item, value) {
  return (item.min_value != null && value < item.min_value) || (item.max_value != null && value > item.max_value);
}

// Returns {answer} or {error, field}; `photoCount` counts photos already kept for this item.
export function decide(item, data, photoCount, t) {
  const chosen = data.result || "";
  const note = (data.note || "").trim() || null;
  if (!["", "pass", "fail", "na"].includes(chosen)) return { error: t.choose, field: "result" };
  if (chosen === "na") {
    const reason = (data.na_reason || "").trim();
    if (!reason) return { error: t.say_why, field: "na_reason" };
    return { answer: { result: "na", number: null, text: null, note, na_reason: reason } };
  }
  let number = null;
  let text = null;
  let result;
  if (item.answer_type === "number") {
    number = parseNumber(data.number);
    if (number === null) return { error: t.enter_number, field: "number" };
    result = chosen === "fail" || outOfRange(item, number) ? "fail" : "pass";
  } else if (item.answer_type === "text") {
    text = (data.text || "").trim();
    if (!text) return { error: t.write_answer, field: "text" };
    result = chosen === "fail" ? "fail" : "pass";
  } else {
    if (!chosen) return { error: t.choose, field: "result" };
    result = chosen;
  }
  if (result === "fail" && !note) {
    return { error: number !== null && chosen !== "fail" ? t.out_of_range : t.describe, field: "note" };
  }
  if (result === "fail" && item.photo_on_fail && photoCount < 1) return { error: t.need_photo, field: "photos" };
  return { answer: { result, number, text, note, na_reason: null } };
}
