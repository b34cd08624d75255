// A consent decision on the phone: the rating module with two choices per proposal,
// 0 · No (I object) and 1 · Yes (I consent). It sends no objection text; a reason
// comes from paper or is said in the room.
import { render } from "./rating.js";

export default { render };
