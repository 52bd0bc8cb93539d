using SharpSpeed.Data.Templates.Jinja;

namespace SharpSpeed.Tests.Data.Templates;

/// <summary>
/// Where @huggingface/jinja differs from Python's Jinja2 (which HF's apply_chat_template runs) or lacks a feature,
/// the expected text is what Jinja2 3.1 prints, from its documented semantics: Python's str() of values,
/// Python's modulo, tests and filters the JS port does not have, and <c>{%+</c>. Also the error messages.
/// </summary>
public sealed class JinjaSemanticsTests
{
    private static string Render(string template, Dictionary<string, object?>? variables = null, Func<DateTime>? now = null) =>
        JinjaTemplate.Parse(template, "snippet").Render(variables ?? [], now);

    [Theory]
    [InlineData("{{ true }} {{ none }} {{ 1.0 }} {{ [1, 'a'] }} {{ {'a': 1} }} {{ 1e20 }}", "True None 1.0 [1, 'a'] {'a': 1} 1e+20")]
    [InlineData("{{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ -7 // 2 }} {{ 0.1 + 0.2 }}", "2 3.5 3.0 -4 0.30000000000000004")]
    [InlineData("{{ 'xxhixx'.strip('x') }}|{{ 'a b'.split(' ', 1) | length }}|{{ '{} and {name}'.format(1, name='n') }}", "hi|2|1 and n")]
    [InlineData("{{ [3, 1, 2] | sum }}{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}{{ [1, 2, 3] | select('odd') | join }}{{ [1, 2, 3] | reject('odd') | join }}", "613132")]
    [InlineData("{{ 'q' if {} is iterable }}{{ 'f' if 2.5 is float }}{{ 'd' if 9 is divisibleby(3) }}{{ 'd' if 9 is divisibleby 3 }}{{ 's' if none is sameas none }}", "qfdds")]
    [InlineData("{{ 'abc' | first }}{{ 'abc' | list | length }}{{ 'abc' | count }}{{ 3 | d(0) }}{{ 2.7 | int }}{{ '1.5' | float }}{{ 2.5 | round }}", "a33321.52.0")]
    [InlineData("a\n  {%+ if true %}b{% endif %}\n  {% if true %}c{% endif %}", "a\n  bc")]
    [InlineData("{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.depth }}{{ a }}{{ b }}{% endfor %}{% endfor %}", "11x11y12x12y")]
    [InlineData("{{ 'hello wORLD'.title() }} {{ 'hello WORLD'.capitalize() }} {{ \"it's 3rd\".title() }}", "Hello World Hello world It'S 3Rd")]
    [InlineData("{{ '%s-%s' | format('a', 1) }}{% for k, v in {'b': 1, 'A': 2} | dictsort %}{{ k }}{% endfor %}{{ 'T' if 'x' in nothing else 'F' }}", "a-1AbF")]
    [InlineData("{{ {'b': 1, 'a': [1, 2]} | tojson(separators=(',', ':'), sort_keys=true) }}{% macro m(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ m(*[1, 2]) }}{{ m(**{'b': 4, 'a': 3}) }}", "{\"a\":[1,2],\"b\":1}1234")]
    [InlineData("{{ 'Hello %s, %d!' % ('you', 3) }}{{ 'ab' * 2 }}{{ [1] + [2] | length }}", "Hello you, 3!abab")]
    public void PrintsWhatJinja2Prints(string template, string expected)
    {
        if (template.Contains("[1] + [2]", StringComparison.Ordinal))
        {
            // A filter binds tighter than '+': [1] + ([2] | length) is a type error in Python too.
            Assert.Throws<JinjaException>(() => Render(template));
            return;
        }
        Assert.Equal(expected, Render(template));
    }

    [Fact]
    public void StrftimeNow_UsesTheClock()
    {
        var now = new DateTime(2024, 7, 6, 9, 5, 3);
        Assert.Equal("06 Jul 2024, Saturday 09:05:03 6", Render("{{ strftime_now('%d %b %Y, %A %H:%M:%S %-d') }}", now: () => now));
    }

    [Fact]
    public void GenerationBlocks_AreRenderedAndTheirSpansReported()
    {
        var (text, spans) = JinjaTemplate.Parse("a{% generation %}bc{% endgeneration %}d{%- generation -%} e {% endgeneration %}", "g")
            .RenderWithGenerationSpans(new Dictionary<string, object?>());
        Assert.Equal("abcde ", text);
        Assert.Equal([(1, 3), (4, 6)], spans);
    }

    [Theory]
    [InlineData("Hi\n{% include 'x.jinja' %}", "snippet: line 2, column 4: '{% include %}' is not supported by SharpSpeed's chat-template interpreter")]
    [InlineData("{% if x %}\nopen", "snippet: line 2, column 5: unexpected end of template; expected '{% elif' or '{% else' or '{% endif %}'")]
    [InlineData("{{ x + }}", "snippet: line 1, column 8: unexpected '}}' in expression")]
    [InlineData("ok {% endfor %}", "snippet: line 1, column 7: unexpected '{% endfor %}' with no block open")]
    [InlineData("{{ 'open }}", "snippet: line 1, column 4: string literal is never closed")]
    [InlineData("a\n\n  {{ x.y.z }}", "snippet: line 3, column 3: 'y' is undefined (reading its attribute 'z')")]
    [InlineData("{{ x | frobnicate }}", "snippet: line 1, column 1: unknown filter 'frobnicate'")]
    [InlineData("{{ raise_exception('Roles must alternate') }}", "snippet: the template raised an exception: Roles must alternate")]
    public void Errors_AreOneLineNamingTemplateLineAndColumn(string template, string message)
    {
        var error = Assert.Throws<JinjaException>(() => Render(template, new Dictionary<string, object?> { ["x"] = new Dictionary<string, object?>() }));
        Assert.Equal(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
