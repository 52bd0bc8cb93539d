using System.Globalization;
using System.Text;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control as Jinja2 does: <c>{%-</c>/<c>-%}</c>
/// (and the same on <c>{{ }}</c> and <c>{# #}</c>) strip all whitespace on that side; <c>trim_blocks</c> drops the
/// first newline after a block or comment tag; <c>lstrip_blocks</c> drops spaces and tabs between a line's start
/// and a block or comment tag (<c>{%+</c> keeps them); one trailing newline of the template is dropped
/// (keep_trailing_newline=False). HF renders chat templates with trim_blocks and lstrip_blocks on.
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    private readonly string _source;
    private readonly string _name;
    private readonly bool _trimBlocks;
    private readonly bool _lstripBlocks;
    private readonly List<int> _lineStarts = [0];
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;
    private bool _stripNextText;

    private JinjaLexer(string source, string name, bool trimBlocks, bool lstripBlocks)
    {
        _source = source.EndsWith("\r\n", StringComparison.Ordinal) ? source[..^2]
            : source.EndsWith('\n') ? source[..^1] : source;
        _name = name;
        _trimBlocks = trimBlocks;
        _lstripBlocks = lstripBlocks;
        for (var i = 0; i < _source.Length; i++)
        {
            if (_source[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public static List<JinjaToken> Tokenize(string source, string name, bool trimBlocks, bool lstripBlocks)
    {
        var lexer = new JinjaLexer(source, name, trimBlocks, lstripBlocks);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            var tagStart = NextTagStart(_pos);
            var textStart = _pos;
            var text = _source[_pos..(tagStart < 0 ? _source.Length : tagStart)];
            if (_stripNextText)
            {
                text = text.TrimStart();
                _stripNextText = false;
            }
            if (tagStart < 0)
            {
                AddText(text, textStart);
                _pos = _source.Length;
                break;
            }
            var kind = _source[tagStart + 1];
            var modifier = tagStart + 2 < _source.Length ? _source[tagStart + 2] : '\0';
            if (modifier == '-')
            {
                text = text.TrimEnd();
            }
            else if (_lstripBlocks && kind != '{' && modifier != '+')
            {
                text = LstripBlock(text, textStart);
            }
            AddText(text, textStart);
            _pos = tagStart + 2 + (modifier is '-' or '+' ? 1 : 0);
            switch (kind)
            {
                case '#':
                    SkipComment(tagStart);
                    break;
                case '%':
                    Add(TokenKind.BlockStart, "{%", tagStart);
                    LexTag(TokenKind.BlockEnd, '%', tagStart);
                    break;
                default:
                    Add(TokenKind.VariableStart, "{{", tagStart);
                    LexTag(TokenKind.VariableEnd, '}', tagStart);
                    break;
            }
        }
        _tokens.Add(new JinjaToken(TokenKind.EndOfTemplate, string.Empty, PositionOf(_source.Length)));
    }

    private int NextTagStart(int from)
    {
        for (var i = _source.IndexOf('{', from); i >= 0 && i + 1 < _source.Length; i = _source.IndexOf('{', i + 1))
        {
            if (_source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Spaces and tabs from the line's start up to a block tag go, when nothing else is on that line before it.</summary>
    private string LstripBlock(string text, int textStart)
    {
        var lineStart = text.LastIndexOf('\n') + 1;
        var atLineStart = lineStart > 0 || textStart == 0 || _source[textStart - 1] == '\n';
        if (!atLineStart)
        {
            return text;
        }
        for (var i = lineStart; i < text.Length; i++)
        {
            if (text[i] is not (' ' or '\t'))
            {
                return text;
            }
        }
        return text[..lineStart];
    }

    private void SkipComment(int tagStart)
    {
        var end = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error(tagStart, "comment '{#' is never closed with '#}'");
        }
        var modifier = end > _pos ? _source[end - 1] : '\0';
        _pos = end + 2;
        AfterTagEnd(modifier, isBlock: true);
    }

    private void LexTag(TokenKind endKind, char closer, int tagStart)
    {
        var braces = 0;
        while (true)
        {
            while (_pos < _source.Length && char.IsWhiteSpace(_source[_pos]))
            {
                _pos++;
            }
            if (_pos >= _source.Length)
            {
                throw Error(tagStart, $"tag opened here is never closed with '{closer}}}'");
            }
            var c = _source[_pos];
            if (braces == 0 && TryTagEnd(closer, out var modifier))
            {
                Add(endKind, closer + "}", _pos);
                _pos += 2 + (modifier == '\0' ? 0 : 1);
                AfterTagEnd(modifier, endKind == TokenKind.BlockEnd);
                return;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = _pos;
                while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_'))
                {
                    _pos++;
                }
                Add(TokenKind.Name, _source[start.._pos], start);
            }
            else if (char.IsAsciiDigit(c))
            {
                LexNumber();
            }
            else if (c is '\'' or '"')
            {
                LexString();
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(_source, _pos, o, 0, o.Length) == 0)
                         ?? throw Error(_pos, $"unexpected character '{c}'");
                braces += op == "{" ? 1 : op == "}" ? -1 : 0;
                Add(TokenKind.Operator, op, _pos);
                _pos += op.Length;
            }
        }
    }

    /// <summary>At <c>%}</c>/<c>}}</c>, or at <c>-%}</c>/<c>+%}</c> (the modifier comes back).</summary>
    private bool TryTagEnd(char closer, out char modifier)
    {
        modifier = '\0';
        var rest = _source.AsSpan(_pos);
        if (rest.Length >= 2 && rest[0] == closer && rest[1] == '}')
        {
            return true;
        }
        if (rest.Length >= 3 && rest[0] is '-' or '+' && rest[1] == closer && rest[2] == '}')
        {
            modifier = rest[0];
            return true;
        }
        return false;
    }

    private void AfterTagEnd(char modifier, bool isBlock)
    {
        if (modifier == '-')
        {
            _stripNextText = true;
        }
        else if (isBlock && _trimBlocks && modifier != '+')
        {
            if (_source.AsSpan(_pos).StartsWith("\r\n"))
            {
                _pos += 2;
            }
            else if (_pos < _source.Length && _source[_pos] == '\n')
            {
                _pos++;
            }
        }
    }

    private void LexNumber()
    {
        var start = _pos;
        var isFloat = false;
        while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_'))
        {
            _pos++;
        }
        if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsAsciiDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < _source.Length && (char.IsAsciiDigit(_source[_pos]) || _source[_pos] == '_'))
            {
                _pos++;
            }
        }
        if (_pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-')
            {
                _pos++;
            }
            if (_pos < _source.Length && char.IsAsciiDigit(_source[_pos]))
            {
                isFloat = true;
                while (_pos < _source.Length && char.IsAsciiDigit(_source[_pos]))
                {
                    _pos++;
                }
            }
            else
            {
                _pos = save;
            }
        }
        Add(isFloat ? TokenKind.Float : TokenKind.Integer, _source[start.._pos].Replace("_", string.Empty, StringComparison.Ordinal), start);
    }

    private void LexString()
    {
        var start = _pos;
        var quote = _source[_pos++];
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _source.Length)
            {
                throw Error(start, "string literal is never closed");
            }
            var c = _source[_pos++];
            if (c == quote)
            {
                break;
            }
            if (c != '\\' || _pos >= _source.Length)
            {
                value.Append(c);
                continue;
            }
            var e = _source[_pos++];
            switch (e)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case '0': value.Append('\0'); break;
                case '\\' or '\'' or '"': value.Append(e); break;
                case '\n': break;
                case 'x' or 'u' or 'U':
                    var width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (_pos + width > _source.Length
                        || !int.TryParse(_source.AsSpan(_pos, width), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error(_pos - 2, $"bad \\{e} escape in string literal");
                    }
                    value.Append(char.ConvertFromUtf32(code));
                    _pos += width;
                    break;
                default:
                    // Python keeps unknown escapes as written.
                    value.Append('\\').Append(e);
                    break;
            }
        }
        Add(TokenKind.String, value.ToString(), start);
    }

    private void AddText(string text, int offset)
    {
        if (text.Length > 0)
        {
            Add(TokenKind.Text, text, offset);
        }
    }

    private void Add(TokenKind kind, string value, int offset) => _tokens.Add(new JinjaToken(kind, value, PositionOf(offset)));

    private SourcePosition PositionOf(int offset)
    {
        var line = _lineStarts.BinarySearch(offset);
        line = line >= 0 ? line : ~line - 1;
        return new SourcePosition(line + 1, offset - _lineStarts[line] + 1);
    }

    private JinjaException Error(int offset, string message) => JinjaException.At(_name, PositionOf(offset), message);
}
