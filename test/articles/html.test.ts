import { Parser } from 'htmlparser2';
import t from 'tap';
import { BODY_ATTRIBUTES, BODY_SCHEMES, BODY_TAGS, htmlToText, sanitizeBody } from '../../src/articles/html.js';

const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href="java\tscript:alert(1)">x</a>',
  '<a href="java\nscript:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="javascript&colon;alert(1)">x</a>',
  '<a href="&#0000106avascript:alert(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+">',
  '<img src="DATA:image/png;base64,iVBORw0KGgo=">',
  '<iframe src=//evil></iframe>',
  '<object data=x>',
  '<embed src=x>',
  '<form action=x><input></form>',
  '<p style="background:url(javascript:alert(1))">t</p>',
  '<div onclick=x>t</div>',
  '<scr<script>ipt>alert(1)</script>',
  '<<script>script>alert(1)<</script>/script>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<base href=javascript:/>',
  '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
  '<link rel=stylesheet href=x>',
  '<SCRIPT>alert(1)</SCRIPT>',
  '<IMG SRC=x ONERROR=alert(1)>',
  '<img src="x" srcset="javascript:alert(1)" onerror="alert(1)">',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<textarea><script>alert(1)</script></textarea>',
];

const DANGEROUS_SCHEME = /^(?:javascript|vbscript|data):/i;
const ALLOWED_TAGS = new Set<string>(BODY_TAGS);

/** Walks sanitised output with a real HTML parser and lists every way it breaks the allowlist. */
function violations(html: string): string[] {
  const found: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (!ALLOWED_TAGS.has(name)) found.push(`element <${name}>`);
        for (const [attr, value] of Object.entries(attribs)) {
          if (!BODY_ATTRIBUTES[name]?.includes(attr)) found.push(`attribute ${name}[${attr}]`);
          if (attr !== 'href' && attr !== 'src') continue;
          // Browsers ignore tabs, line breaks and leading spaces inside a scheme.
          const url = value.replace(/[\u0000-\u0020]/g, '');
          const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
          if (scheme && !BODY_SCHEMES[name]?.includes(scheme)) found.push(`${name}[${attr}] scheme ${scheme}`);
          if (DANGEROUS_SCHEME.test(url)) found.push(`${name}[${attr}] = ${value}`);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  if (/<script/i.test(html)) found.push('<script in the raw output');
  if (/\son\w+\s*=/i.test(html)) found.push('event handler in the raw output');
  if (/(?:javascript|vbscript|data):/i.test(html)) found.push('dangerous scheme in the raw output');
  return found;
}

t.test('the allowlist checker itself notices forbidden markup', async (t) => {
  t.not(violations('<div onclick="x">t</div>').length, 0);
  t.not(violations('<a href="&#106;avascript:alert(1)">x</a>').length, 0);
  t.not(violations('<img src="data:image/png;base64,AAAA">').length, 0);
  t.same(violations('<p><a href="https://example.com/" title="t">x</a></p>'), []);
});

t.test('classic XSS payloads come out inside the allowlist', async (t) => {
  for (const payload of XSS_PAYLOADS) {
    const out = sanitizeBody(payload);
    t.same(violations(out), [], `${JSON.stringify(payload)} → ${JSON.stringify(out)}`);
    t.notMatch(out, /<\/?(?:iframe|object|embed|form|input|svg|math|style|base|meta|link|noscript|textarea)\b/i);
  }
});

t.test('dangerous URLs are removed but the element and its text stay', async (t) => {
  t.equal(sanitizeBody('<a href="JaVaScRiPt:alert(1)">看这里</a>'), '<a>看这里</a>');
  t.equal(sanitizeBody('<a href="jav&#x09;ascript:alert(1)">x</a>'), '<a>x</a>');
  t.equal(sanitizeBody('<img src="data:image/png;base64,AAAA" alt="图">'), '<img alt="图" />');
  t.equal(sanitizeBody('<img src="mailto:a@b.c">'), '<img />', 'mailto is for links only');
  t.equal(sanitizeBody('<a href="mailto:jubao@staff.enorth.cn">举报</a>'), '<a href="mailto:jubao@staff.enorth.cn">举报</a>');
});

t.test('raw-text and foreign content is dropped, not turned into text', async (t) => {
  t.equal(sanitizeBody('<p>前</p><script>var a = "<p>x</p>";</script><p>后</p>'), '<p>前</p><p>后</p>');
  t.equal(sanitizeBody('<style>p{color:red}</style><p>正文</p>'), '<p>正文</p>');
  t.equal(sanitizeBody('<noscript>请启用脚本</noscript><p>正文</p>'), '<p>正文</p>');
  t.equal(sanitizeBody('<svg><text>矢量</text></svg><p>正文</p>'), '<p>正文</p>');
  t.equal(sanitizeBody('<textarea>输入</textarea><p>正文</p>'), '<p>正文</p>');
  t.equal(sanitizeBody('<iframe src="https://v.example/1">视频</iframe><p>正文</p>'), '<p>正文</p>');
});

t.test('disallowed wrappers go but their text stays', async (t) => {
  t.equal(sanitizeBody('<div class="content"><span style="color:red">红色</span>文字</div>'), '红色文字');
  t.equal(sanitizeBody('<h1>标题</h1>'), '标题');
  t.equal(sanitizeBody('<a href="https://x.cn/" target="_blank" rel="opener">x</a>'), '<a href="https://x.cn/">x</a>');
});

const SEED_PARAGRAPH =
  '<p>  4月17日至18日,甘肃省党政代表团来津考察,两省市召开天津市·甘肃省东西部协作座谈会,并签署一批协作项目协议。</p>';

const SEED_BODY = [
  SEED_PARAGRAPH,
  '<p>  市委书记陈敏尔主持座谈会并讲话,甘肃省委书记、省人大常委会主任胡昌升出席并讲话。</p>',
  '<h2>加强产业协作</h2>',
  '<p>  以实际行动体现坚定拥护“两个确立”、坚决做到“两个维护”。加强产业协作,继续做好“土特产”文章。</p>',
  '<figure><img src="https://img.enorth.com.cn/2023/04/19/jingan.jpg" alt="座谈会现场" width="800" height="533" />',
  '<figcaption>天津市·甘肃省东西部协作座谈会现场。</figcaption></figure>',
  '<blockquote><p>此次来津是表达感激、学习取经、对接协作之行。</p></blockquote>',
  '<h3>签约项目</h3>',
  '<ul><li>石油化工</li><li>新能源</li><li>特色农业</li></ul>',
  '<ol><li>天士力控股集团有限公司</li><li>中电科蓝天科技股份有限公司</li></ol>',
  '<table><thead><tr><th>领域</th><th>项目数</th></tr></thead><tbody><tr><td>消费帮扶</td><td>18</td></tr></tbody></table>',
  '<p>来源:<a href="http://news.enorth.com.cn/system/2023/04/19/053577799.shtml" title="天津日报">天津日报</a>',
  ' &amp; <em>北方网</em> <strong>记者</strong> <b>张</b><i>三</i><u>摄</u><s>删</s>H<sub>2</sub>O x<sup>2</sup><br />',
  '代码 <code>a &lt; b</code></p><hr /><pre>第一行\n  第二行</pre>',
  '<h4>相关链接</h4><p><a href="/system/2023/04/18/053577001.shtml">汉服映天理,春色染衣裳</a></p>',
].join('');

t.test('clean Chinese article HTML comes back byte-identical', async (t) => {
  t.equal(sanitizeBody(SEED_PARAGRAPH), SEED_PARAGRAPH);
  t.equal(sanitizeBody(SEED_BODY), SEED_BODY);
  t.equal(sanitizeBody('<p>“引号”、《书名》——破折号…… ·· 　全角空格</p>'), '<p>“引号”、《书名》——破折号…… ·· 　全角空格</p>');
});

t.test('text is re-escaped, CJK never is', async (t) => {
  t.equal(sanitizeBody('<p>a & b < c > d</p>'), '<p>a &amp; b &lt; c &gt; d</p>');
  t.equal(sanitizeBody('<p>&#x5929;&#27941; &quot;x&quot; &copy;</p>'), '<p>天津 "x" ©</p>');
  t.equal(sanitizeBody('<a title="say &quot;hi&quot; &amp; “好”" href="/a?x=1&y=2">x</a>'),
    '<a title="say &quot;hi&quot; &amp; “好”" href="/a?x=1&amp;y=2">x</a>');
});

t.test('htmlToText gives paragraphs separated by a blank line', async (t) => {
  const text = htmlToText(sanitizeBody(SEED_BODY));
  const paragraphs = text.split('\n\n');
  t.equal(paragraphs[0], '4月17日至18日,甘肃省党政代表团来津考察,两省市召开天津市·甘肃省东西部协作座谈会,并签署一批协作项目协议。');
  t.equal(paragraphs[2], '加强产业协作');
  t.ok(paragraphs.includes('天津市·甘肃省东西部协作座谈会现场。'));
  t.ok(paragraphs.includes('石油化工'));
  t.ok(paragraphs.includes('领域 项目数'));
  t.ok(paragraphs.includes('消费帮扶 18'));
  t.ok(paragraphs.includes('来源:天津日报 & 北方网 记者 张三摄删H2O x2\n代码 a < b'));
  t.ok(paragraphs.includes('第一行\n  第二行'), 'pre keeps its lines and indentation');
  t.notMatch(text, /<\/?[a-z][^>]*>/i, 'no tags left');
  t.notMatch(text, /\n{3}/);
  t.equal(text, text.trim());
});

t.test('htmlToText decodes entities and collapses whitespace', async (t) => {
  t.equal(htmlToText(''), '');
  t.equal(htmlToText('<p>&nbsp;</p><p> \n </p>'), '');
  t.equal(htmlToText('<p>a&amp;b&nbsp;&nbsp;c &#x5929;&#27941; &lt;tag&gt;</p>'), 'a&b c 天津 <tag>');
  t.equal(htmlToText('<p>  one\n\t two   </p>\n\n<p>\u3000\u3000全角缩进\u3000中间</p>'), 'one two\n\n全角缩进\u3000中间');
  t.equal(htmlToText('<p>a<b>b</b>c</p>'), 'abc', 'inline tags do not add spaces');
  t.equal(htmlToText('第一行<br>第二行<br><br>第三行'), '第一行\n第二行\n第三行');
  t.equal(htmlToText('<p>上</p><hr><p>下</p>'), '上\n\n下');
  t.equal(htmlToText('<p>x</p><script>alert(1)</script><style>p{}</style><p>y</p>'), 'x\n\ny');
});

const HOSTILE = [
  '',
  '\0',
  'a\0b<p\0>c</p>',
  '\uD800',
  '<p title="\uDC00">\uD83D</p>',
  '<p><b>unclosed',
  '<<<>>>',
  '</p></p></div>',
  '<a href=',
  '<!--',
  '<![CDATA[x',
  '<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>',
  '&#0; &#xD800; &#x110000; &#99999999999; &unknown; &',
  '<'.repeat(10_000),
  '<b>'.repeat(20_000) + 'deep',
  '<p>长文</p>'.repeat(50_000),
];

t.test('hostile strings never throw', async (t) => {
  for (const input of HOSTILE) {
    const label = JSON.stringify(input.slice(0, 40));
    const safe = sanitizeBody(input);
    t.type(safe, 'string', `sanitizeBody ${label}`);
    t.ok(safe.isWellFormed() && !safe.includes('\0'), `sanitizeBody output is well-formed for ${label}`);
    t.same(violations(safe), [], `sanitizeBody stays in the allowlist for ${label}`);
    t.type(htmlToText(input), 'string', `htmlToText ${label}`);
    t.type(htmlToText(safe), 'string', `htmlToText of sanitised ${label}`);
  }
});
