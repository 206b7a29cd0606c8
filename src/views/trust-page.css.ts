import { createHash } from 'node:crypto';

/**
 * The hosted page's only stylesheet, served as a file (the Content-Security-Policy allows no inline style or script).
 * Colours meet WCAG AA contrast; state is always written as text too. Nothing is wider than a phone's screen: long
 * words wrap and the subprocessor table scrolls inside its own box.
 */
export const TRUST_PAGE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa;overflow-wrap:anywhere}
header,main,footer{max-width:60rem;margin:0 auto;padding:1rem 1.25rem}
header{padding-top:2rem}
h1{font-size:1.75rem;margin:0 0 .25rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
.headline{font-size:1.1rem;color:#424a53;margin:0}
.prose{white-space:pre-line}
.notice{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .75rem;border-radius:6px}
.cards{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.cards>li{background:#fff;border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:.75rem 1rem}
.cards p{margin:.25rem 0}
.state-current{border-left-color:#2e7d32}
.state-expiring_soon{border-left-color:#8a4b00}
.state-stale{border-left-color:#c62828}
.state-none{border-left-color:#5f6368}
.pill{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-size:.85rem;font-weight:600;background:#5f6368}
.state-current .pill{background:#2e7d32}
.state-expiring_soon .pill{background:#8a4b00}
.state-stale .pill{background:#c62828}
.details{color:#424a53;font-size:.9rem}
.tag{font-size:.8rem;border:1px solid #8c959f;border-radius:4px;padding:0 .35rem;color:#424a53}
.button,button{display:inline-block;margin-top:.5rem;padding:.4rem .9rem;border-radius:6px;border:1px solid #1f6feb;background:#0550ae;color:#fff;font:inherit;text-decoration:none;cursor:pointer}
.button:focus,button:focus,a:focus,input:focus,textarea:focus{outline:3px solid #fb8f44;outline-offset:2px}
a{color:#0550ae}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid #d0d7de;border-radius:6px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #d0d7de;vertical-align:top}
form.stack{display:grid;gap:.75rem;max-width:32rem}
label{font-weight:600;display:block}
input,textarea{width:100%;font:inherit;padding:.4rem .5rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1f2328}
.error{color:#b42318;font-weight:600}
fieldset{border:1px solid #8c959f;border-radius:6px;padding:.5rem .75rem}
.check{display:flex;gap:.5rem;align-items:baseline}
.check input{width:auto;flex:none}
.check label{font-weight:400}
.nda-text{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem}
footer{color:#424a53;font-size:.9rem;padding-bottom:3rem}
`;

/** Content hash in the URL: the file can be cached for a year and still change with a deploy. */
export const TRUST_PAGE_CSS_PATH = `/trust/assets/page-${createHash('sha256').update(TRUST_PAGE_CSS).digest('hex').slice(0, 12)}.css`;
