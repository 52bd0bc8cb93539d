using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// A restricted pickle interpreter for PyTorch state dicts. It understands only the opcodes torch.save emits for
/// a dict of tensors and a short allow-list of globals, which it treats as tags (it never imports or calls
/// anything): collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter(_with_state) and the
/// torch.*Storage types. Everything else stops with an error naming the file, the byte offset and the opcode or
/// global. Python's own pickle executes arbitrary code here; this cannot.
/// </summary>
internal sealed class TorchPickleMachine
{
    private static readonly Dictionary<string, torch.ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = torch.ScalarType.Float64,
        ["FloatStorage"] = torch.ScalarType.Float32,
        ["HalfStorage"] = torch.ScalarType.Float16,
        ["BFloat16Storage"] = torch.ScalarType.BFloat16,
        ["LongStorage"] = torch.ScalarType.Int64,
        ["IntStorage"] = torch.ScalarType.Int32,
        ["ShortStorage"] = torch.ScalarType.Int16,
        ["CharStorage"] = torch.ScalarType.Int8,
        ["ByteStorage"] = torch.ScalarType.Byte,
        ["BoolStorage"] = torch.ScalarType.Bool,
    };

    private static readonly HashSet<string> CallableGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    };

    private const int MaxDimensions = 64;

    private readonly byte[] _code;
    private readonly string _path;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, TorchStorageRef> _storages = new(StringComparer.Ordinal);
    private int _position;
    private int _opcodeStart;

    private TorchPickleMachine(byte[] code, string path)
    {
        _code = code;
        _path = path;
    }

    /// <summary>Runs the pickle and returns its top-level object.</summary>
    public static object? Run(byte[] code, string path) => new TorchPickleMachine(code, path).Execute();

    private object? Execute()
    {
        while (true)
        {
            _opcodeStart = _position;
            var opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    var protocol = ReadByte();
                    if (protocol is < 2 or > 5)
                    {
                        throw Fail($"pickle protocol {protocol} is not supported (2-5)");
                    }
                    break;
                case 0x95: Take(8); break; // FRAME: a length hint only
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Fail("pickle STOP with an unbalanced stack");
                    }
                    return _stack[0];
                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)')': Push(new PickleTuple([])); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PickleTuple(PopToMark().ToArray())); break; // TUPLE
                case 0x85: Push(new PickleTuple([Pop()])); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple([a, b, c])); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'a': { var item = Pop(); Expect<List<object?>>(Peek(), "APPEND target").Add(item); break; }
                case (byte)'e': { var items = PopToMark(); Expect<List<object?>>(Peek(), "APPENDS target").AddRange(items); break; }
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'s': { var value = Pop(); var key = Pop(); SetItem(Peek(), key, value); break; } // SETITEM
                case (byte)'u': // SETITEMS
                    {
                        var items = PopToMark();
                        if (items.Count % 2 != 0)
                        {
                            throw Fail("pickle SETITEMS with an odd number of items");
                        }
                        for (var i = 0; i < items.Count; i += 2)
                        {
                            SetItem(Peek(), items[i], items[i + 1]);
                        }
                        break;
                    }
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case 0x8a: Push(ReadLong1()); break; // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'X': Push(ReadUtf8(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))); break; // BINUNICODE8
                case (byte)'c': Push(Global(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Expect<string>(Pop(), "STACK_GLOBAL name");
                        var module = Expect<string>(Pop(), "STACK_GLOBAL module");
                        Push(Global(module, name));
                        break;
                    }
                case (byte)'R': { var args = Expect<PickleTuple>(Pop(), "REDUCE arguments"); Push(Reduce(Pop(), args.Items)); break; }
                case (byte)'b': { var state = Pop(); Build(Peek(), state); break; } // BUILD
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                default:
                    throw Fail($"pickle opcode 0x{opcode:x2} ('{(char)opcode}') is not allowed in a state dict");
            }
        }
    }

    private PickleGlobal Global(string module, string name)
    {
        var global = new PickleGlobal(module, name);
        var isStorage = module == "torch" && StorageTypes.ContainsKey(name);
        if (!isStorage && !CallableGlobals.Contains(global.ToString()))
        {
            throw Fail($"pickle global '{global}' is not allowed in a state dict (refusing to load; only tensors and OrderedDict are)");
        }
        return global;
    }

    private object Reduce(object? callable, object?[] args)
    {
        var global = Expect<PickleGlobal>(callable, "REDUCE callable");
        switch (global.ToString())
        {
            case "collections.OrderedDict" when args.Length == 0:
                return new PickleDict();
            case "torch._utils._rebuild_tensor_v2" when args.Length is 6 or 7:
                return RebuildTensor(args);
            case "torch._utils._rebuild_parameter" when args.Length == 3:
            case "torch._utils._rebuild_parameter_with_state" when args.Length == 4:
                return Expect<TorchTensorRef>(args[0], $"{global} data");
            default:
                throw Fail($"pickle calls '{global}' with {args.Length} arguments, which a state dict never does");
        }
    }

    private TorchTensorRef RebuildTensor(object?[] args)
    {
        var storage = Expect<TorchStorageRef>(args[0], "_rebuild_tensor_v2 storage");
        var offset = Expect<long>(args[1], "_rebuild_tensor_v2 storage_offset");
        var size = Dimensions(args[2], "size");
        var stride = Dimensions(args[3], "stride");
        if (size.Length != stride.Length)
        {
            throw Fail($"tensor size has {size.Length} dimensions but stride has {stride.Length}");
        }
        return new TorchTensorRef(storage, offset, size, stride);
    }

    private long[] Dimensions(object? value, string what)
    {
        var tuple = Expect<PickleTuple>(value, $"_rebuild_tensor_v2 {what}");
        if (tuple.Items.Length > MaxDimensions)
        {
            throw Fail($"tensor {what} has {tuple.Items.Length} dimensions (limit {MaxDimensions})");
        }
        return tuple.Items.Select(item => Expect<long>(item, $"tensor {what} entry")).ToArray();
    }

    private TorchStorageRef PersistentLoad(object? pid)
    {
        var items = Expect<PickleTuple>(pid, "persistent id").Items;
        if (items.Length != 5 || items[0] is not "storage")
        {
            throw Fail("persistent id is not ('storage', type, key, location, numel)");
        }
        var type = Expect<PickleGlobal>(items[1], "storage type");
        if (type.Module != "torch" || !StorageTypes.TryGetValue(type.Name, out var dtype))
        {
            throw Fail($"'{type}' is not a storage type");
        }
        var key = Expect<string>(items[2], "storage key");
        _ = Expect<string>(items[3], "storage location");
        var count = Expect<long>(items[4], "storage size");
        if (count < 0)
        {
            throw Fail($"storage '{key}' has negative size {count}");
        }
        if (_storages.TryGetValue(key, out var known))
        {
            return known.DType == dtype && known.ElementCount == count
                ? known
                : throw Fail($"storage '{key}' is described twice with different types or sizes");
        }
        var storage = new TorchStorageRef(dtype, key, count);
        _storages.Add(key, storage);
        return storage;
    }

    private void Build(object? target, object? state)
    {
        // A state dict carries its module versions as an attribute (_metadata); we keep only the tensors.
        if (target is not PickleDict || state is not PickleDict)
        {
            throw Fail("pickle BUILD on something other than a dict attribute set");
        }
    }

    private void SetItem(object? target, object? key, object? value)
    {
        var dict = Expect<PickleDict>(target, "SETITEM target");
        if (key is null or PickleDict or List<object?>)
        {
            throw Fail("dict key is not hashable");
        }
        dict.Items[key] = value;
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Fail($"pickle memo slot {index} is read before it is written");

    private T Expect<T>(object? value, string what) =>
        value is T typed ? typed : throw Fail($"{what} is {Describe(value)}, expected {typeof(T).Name}");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal global => $"global '{global}'",
        _ => value.GetType().Name,
    };

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > MarkFloor() ? _stack[^1] : throw Fail("pickle stack underflow");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private int MarkFloor() => _marks.Count > 0 ? _marks.Peek() : 0;

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
        {
            throw Fail("pickle uses a MARK that was never set");
        }
        var start = _marks.Pop();
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private byte ReadByte() => Take(1)[0];

    private ReadOnlySpan<byte> Take(ulong count)
    {
        if (count > (ulong)(_code.Length - _position))
        {
            throw Fail($"pickle is truncated (needs {count} more bytes, {_code.Length - _position} left)");
        }
        var span = _code.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }

    private string ReadUtf8(ulong length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
        }
        catch (DecoderFallbackException)
        {
            throw Fail("pickle string is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        var end = Array.IndexOf(_code, (byte)'\n', _position, Math.Min(256, _code.Length - _position));
        if (end < 0)
        {
            throw Fail("pickle GLOBAL name is not terminated within 256 bytes");
        }
        var text = Encoding.ASCII.GetString(_code, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private long ReadLong1()
    {
        var length = ReadByte();
        if (length > 8)
        {
            throw Fail($"pickle integer of {length} bytes is too large for a state dict");
        }
        var value = new BigInteger(Take(length), isUnsigned: false, isBigEndian: false);
        return (long)value;
    }

    private ModelFileException Fail(string problem) => new(_path, $"{problem} (pickle byte {_opcodeStart})");
}
