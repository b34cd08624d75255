// A maturity assessment on the phone: the rating module with the maturity scale's levels
// (the screen's activity.choices / labels say which), one criterion ("current" or "target").
// Served as /room/static/kinds/maturity.js, so "./rating.js" is the rating kind's phone.js.
import { render } from "./rating.js";

export default { render };
