using System.Text.Json;
using System.Text.Json.Nodes;
using SharpSpeed.Data.Templates.Jinja;

namespace SharpSpeed.Tests.Data.Templates;

/// <summary>
/// Each language feature chat templates use, rendered by SharpSpeed's interpreter and by @huggingface/jinja
/// over the same variables; the texts must be identical. Snippets print strings and numbers only, where Python's
/// Jinja2 and the JavaScript port agree (they print booleans and lists differently).
/// </summary>
public sealed class JinjaFeatureParityTests
{
    private const string Context = """
        {"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "  Hi there  "},
                      {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1, "y": "é"}}}]},
                      {"role": "user", "content": "Bye"}],
         "x": 7, "f": 2.5, "name": "World", "nums": [3, 1, 2], "d": {"a": 1, "b": "two"}, "s": "  Hello World  ",
         "tools": null, "flag": true, "empty": [], "bos_token": "<s>"}
        """;

    public static TheoryData<string> Snippets { get; } =
    [
        // Control flow.
        "{% if x > 5 %}big{% elif x > 2 %}mid{% else %}small{% endif %}",
        "{% if undefined_name is defined %}yes{% else %}no{% endif %}{% if tools is none %}N{% endif %}",
        "{% for m in messages %}{{ loop.index }}/{{ loop.length }}:{{ loop.index0 }},{{ loop.revindex }},{{ loop.revindex0 }}{{ '^' if loop.first }}{{ '$' if loop.last }};{% endfor %}",
        "{% for n in empty %}x{% else %}none{% endfor %}|{% for n in nums if n > 1 %}{{ n }}{{ ',' if not loop.last }}{% endfor %}",
        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
        "{% for n in nums %}{% if n == 1 %}{% continue %}{% endif %}{% if n == 2 %}{% break %}{% endif %}{{ n }}{% endfor %}",
        "{% for m in messages %}{% if loop.previtem is defined %}{{ loop.previtem.role }}>{% endif %}{{ m.role }} {% endfor %}",
        // Assignment and namespaces.
        "{% set a = 1 %}{% for n in nums %}{% set a = n %}{% endfor %}{{ a }}",
        "{% set ns = namespace(total=0, last='') %}{% for n in nums %}{% set ns.total = ns.total + n %}{% set ns.last = n ~ '' %}{% endfor %}{{ ns.total }}-{{ ns.last }}",
        "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set block %}inner {{ name }}{% endset %}[{{ block }}]",
        // Macros, call blocks and filter blocks.
        "{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet(name) }} {{ greet('you', punct='?') }}",
        "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ x }}{% endcall %}",
        "{% filter upper %}shout {{ name }}{% endfilter %}",
        // Expressions.
        "{{ messages[1:] | length }} {{ nums[::-1] | join(',') }} {{ nums[-1] }} {{ name[1:3] }} {{ name[::-1] }} {{ nums[:2] | join }}",
        "{{ 'a' ~ x ~ 'b' }} {{ x + 3 }} {{ x - 10 }} {{ x * 2 }} {{ x // 2 }} {{ x % 3 }} {{ 2 ** 3 }} {{ f * 2 }}",
        "{{ 'T' if 'World' in name else 'F' }}{{ 'T' if 'x' not in name else 'F' }}{{ 'T' if 3 in nums else 'F' }}{{ 'T' if 'a' in d else 'F' }}",
        "{{ 'T' if x > 5 and not flag == false or false else 'F' }}{{ 'T' if (x < 5 or flag) and nums else 'F' }}",
        "{{ messages[0]['content'] }}{{ messages[0].content }}{{ d['b'] }}{{ d.b }}",
        "{{ \"double\" }}{{ 'esc\\'aped\\n' }}{{ 'con' 'cat' }}",
        "{{ {'k': 'v'}['k'] }}{{ ['p', 'q'][1] }}{{ (1, 2)[0] }}",
        // Tests.
        "{% for v in [name, x, f, d, nums, none, flag] %}{{ 's' if v is string }}{{ 'n' if v is number }}{{ 'i' if v is integer }}{{ 'm' if v is mapping }}{{ 'b' if v is boolean }}{{ '0' if v is none }}{{ 'T' if v is true }}{{ 'F' if v is false }};{% endfor %}",
        "{{ 'o' if x is odd }}{{ 'e' if 4 is even }}{{ 'u' if zz is undefined }}{{ 'nn' if name is not none }}{{ 'sq' if nums is sequence }}",
        // String methods.
        "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ s.upper() }}][{{ s.lower() }}][{{ 'hello world'.title() }}][{{ 'hello world'.capitalize() }}]",
        "{{ 'T' if name.startswith('Wo') }}{{ 'T' if name.endswith('ld') }}{{ 'a,b,,c'.split(',') | join('|') }} {{ ' a  b '.split() | join('|') }} {{ 'a-b-c'.replace('-', '+') }}",
        "{{ 'x</think>y'.split('</think>')[-1] }}{{ '\\n\\nz'.lstrip('\\n') }}",
        // Filters.
        "[{{ s | trim }}] {{ nums | length }} {{ undefined_name | default('dflt') }} {{ '' | default('empty', true) }}",
        "{{ nums | first }}{{ nums | last }}{{ d | items | length }}",
        "{{ messages | map(attribute='role') | join(',') }}|{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('/') }}|{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}",
        "{{ messages | selectattr('tool_calls', 'defined') | list | length }}",
        "{{ d | tojson }} {{ messages[2].tool_calls | tojson }} {{ 'quote\"and\\\\' | tojson }} {{ nums | tojson(indent=2) }}",
        "{{ name | upper }}{{ name | lower }}{{ 'abc' | capitalize }}{{ -3 | abs }}{{ '42' | int + 1 }}{{ 'x' | int }}{{ name | replace('o', '0') }}{{ 'a' | safe }}{{ x | string ~ '!' }}",
        "{{ nums | sort | join }}{{ nums | reverse | join }}{{ [1, 1, 2] | unique | join }}",
        // Whitespace control with trim_blocks and lstrip_blocks.
        "a\n  {% if true %}\n    b\n  {% endif %}\nc\n",
        "a  {%- if true -%}  b  {%- endif -%}  c {{- ' d ' -}} e {# comment #}f\n  {#- c -#}\ng",
        "line1\n{% for n in nums %}\n  - {{ n }}\n{% endfor %}\nend",
        "{{ bos_token }}\n{%- for m in messages %}\n    {{- m.role + ': ' + m.content | trim + '\\n' }}\n{%- endfor %}",
        // Globals.
        "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}",
    ];

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_RendersWhatHuggingFaceJinjaRenders(string template)
    {
        var context = JsonNode.Parse(Context)!.AsObject();
        var expected = HuggingFaceJinjaReference.Render([(template, context)])[0];
        Assert.NotNull(expected);
        using var document = JsonDocument.Parse(Context);
        var variables = (Dictionary<string, object?>)JinjaJson.FromJson(document.RootElement)!;
        Assert.Equal(expected, JinjaTemplate.Parse(template, "snippet").Render(variables));
    }
}
