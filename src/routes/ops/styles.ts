// One small stylesheet, inlined in every page: no build step, no extra request, and it works on
// a phone (single column under 40rem) and with the keyboard (a focus ring you can see).
export const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--ok:#116329;--bad:#a40e26;--warn:#7d4e00;--link:#0550ae;--focus:#ff8c00}
*{box-sizing:border-box}
html{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.5rem;z-index:2}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#24292f;color:#fff}
header.top a{color:#fff}
header.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header.top nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
header.top .brand{font-weight:700;margin-right:auto;text-decoration:none}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .6rem}h3{font-size:1.05rem;margin:0 0 .4rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;background:var(--panel)}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;margin:0}.card dt{color:var(--muted)}.card dd{margin:0}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.85rem;border:1px solid currentColor}
.ok{color:var(--ok)}.error{color:var(--bad)}.waiting,.skipped{color:var(--warn)}.info{color:var(--muted)}
.flash{padding:.6rem 1rem;border-radius:6px;border:1px solid var(--line);background:#ddf4ff;margin-bottom:1rem}
.flash.bad{background:#ffebe9;border-color:#ff8182}
.action{background:#fff8c5;border-left:4px solid #d4a72c;padding:.4rem .6rem;margin:.4rem 0 0}
form.inline{display:inline}
label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=text],input[type=password],input[type=search]{font:inherit;padding:.45rem .6rem;border:1px solid var(--muted);border-radius:6px;width:100%;max-width:28rem}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer;min-height:2.5rem}
button.secondary{background:#fff;color:var(--fg);border-color:var(--muted)}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.9rem;color:var(--muted)}
.scroll{overflow-x:auto}
.attention-list .action{margin-bottom:.3rem}
.charts{display:grid;grid-template-columns:1fr;gap:1rem}
ol.timeline>li.waiting{border-left-color:#d4a72c}
figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;background:#fff}
figure.chart svg{display:block;max-width:100%;height:auto}
ul.legend{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;padding:0;margin:.4rem 0;font-size:.9rem}
.swatch{display:inline-block;width:1.4rem;margin-right:.35rem;vertical-align:middle}.swatch.bar{height:.7rem;width:.7rem}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline>li{border-left:3px solid var(--line);padding:.3rem 0 .7rem .9rem;position:relative}
ol.timeline>li.error{border-left-color:var(--bad)}ol.timeline>li.ok{border-left-color:var(--ok)}
ol.timeline time,.muted{color:var(--muted);font-size:.9rem}
ol.timeline p{margin:.15rem 0;color:var(--fg)}
.docs{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:1rem;list-style:none;padding:0;margin:0}
.docs li{border:1px solid var(--line);border-radius:6px;padding:.5rem;background:var(--panel);overflow-wrap:anywhere}
.docs img{display:block;width:100%;height:9rem;object-fit:cover;border-radius:4px;background:#eaeef2}
.file{display:flex;align-items:center;justify-content:center;height:9rem;font-size:2.5rem;background:#eaeef2;border-radius:4px;text-decoration:none}
.thumb-inline{width:4rem;height:3rem;object-fit:cover;border-radius:3px;vertical-align:middle;margin-right:.4rem}
code{font-size:.9em;overflow-wrap:anywhere}
@media (max-width:40rem){main{padding:.6rem}.card dl{grid-template-columns:1fr}.card dt{margin-top:.3rem}th.opt,td.opt{display:none}}
`;
