namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// BPE merges keyed by the (left id, right id) pair: an open-addressing table with a multiplicative hash.
/// A Dictionary keyed by the packed 64-bit pair would hash it as left XOR right, which collides for most
/// pairs of a 100k vocabulary and made lookups the largest cost of encoding.
/// </summary>
internal sealed class MergeTable
{
    private const ulong Empty = ulong.MaxValue;

    private ulong[] _keys;
    private int[] _ranks;
    private int[] _newIds;
    private int _count;

    public MergeTable(int expectedCount)
    {
        var capacity = 16;
        while (capacity < expectedCount * 2)
        {
            capacity *= 2;
        }
        _keys = new ulong[capacity];
        Array.Fill(_keys, Empty);
        _ranks = new int[capacity];
        _newIds = new int[capacity];
    }

    /// <summary>Adds or replaces the merge of a pair (a later duplicate wins, as in HF).</summary>
    public void Set(int left, int right, int rank, int newId)
    {
        if ((_count + 1) * 2 > _keys.Length)
        {
            Grow();
        }
        var key = Pack(left, right);
        var slot = SlotOf(key);
        if (_keys[slot] == Empty)
        {
            _keys[slot] = key;
            _count++;
        }
        _ranks[slot] = rank;
        _newIds[slot] = newId;
    }

    public bool TryGet(int left, int right, out int rank, out int newId)
    {
        var key = Pack(left, right);
        var slot = SlotOf(key);
        if (_keys[slot] == key)
        {
            rank = _ranks[slot];
            newId = _newIds[slot];
            return true;
        }
        rank = 0;
        newId = 0;
        return false;
    }

    /// <summary>The slot holding <paramref name="key"/>, or the empty slot where it would go (linear probing).</summary>
    private int SlotOf(ulong key)
    {
        var mask = _keys.Length - 1;
        var slot = (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & mask;
        while (_keys[slot] != key && _keys[slot] != Empty)
        {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void Grow()
    {
        var (keys, ranks, newIds) = (_keys, _ranks, _newIds);
        _keys = new ulong[keys.Length * 2];
        Array.Fill(_keys, Empty);
        _ranks = new int[keys.Length * 2];
        _newIds = new int[keys.Length * 2];
        _count = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] != Empty)
            {
                Set((int)(keys[i] >> 32), (int)(uint)keys[i], ranks[i], newIds[i]);
            }
        }
    }

    private static ulong Pack(int left, int right) => ((ulong)(uint)left << 32) | (uint)right;
}
