using System.Diagnostics;

namespace Sharpcracker.Engine;

/// <summary>
/// How one request is split: each of its keys, in request order, is assigned to a fragment, one
/// fragment per target (duplicates kept, each fragment's keys in request order). A target is
/// what fragments are grouped by: a server index, or a hash slot in a redis_cluster pool (a node
/// refuses keys of two slots); each fragment also records the server it is sent to.
/// <para>
/// Owned by its root request and reset with it (<see cref="ClientRequest{TRequest}.Reset"/>), so
/// nothing of one split outlives its request: an exception half way leaves state only here, and
/// the request's recycling clears it. Arrays grow to the largest split the request has seen and
/// are kept, so a pooled request splits without allocating.
/// </para>
/// <para>
/// Target → fragment is an open-addressing table of the plan's own (not a per-server array in
/// the session, nor a 16384-entry per-slot array): a sharded pool has a few servers, but a
/// cluster pool's MGET of n keys can have up to n slots, where a linear search would be
/// quadratic. The table is sized to at least twice the fragments and cleared entry by entry
/// (the targets recorded) on reset, so a reset costs the fragments, not the table.
/// </para>
/// One worker thread: plain fields.
/// </summary>
internal sealed class SplitPlan
{
    private const int InitialCapacity = 8;

    private int[] _keyFragment = new int[16];
    private int[] _target = new int[InitialCapacity];
    private int[] _server = new int[InitialCapacity];
    private int[] _keys = new int[InitialCapacity];
    // target → fragment index + 1 (0: empty); length a power of two, at least twice the fragments.
    private int[] _table = new int[2 * InitialCapacity];

    /// <summary>Keys assigned so far, in request order.</summary>
    public int KeyCount { get; private set; }

    /// <summary>Fragments (distinct targets) so far, in order of their first key.</summary>
    public int FragmentCount { get; private set; }

    /// <summary>The fragment serving key <paramref name="key"/> (request order).</summary>
    public int FragmentOf(int key)
    {
        Debug.Assert((uint)key < (uint)KeyCount);
        return _keyFragment[key];
    }

    /// <summary>The server (topology index) fragment <paramref name="fragment"/> goes to.</summary>
    public int ServerOf(int fragment)
    {
        Debug.Assert((uint)fragment < (uint)FragmentCount);
        return _server[fragment];
    }

    /// <summary>What fragment <paramref name="fragment"/> was grouped by (server index or hash slot).</summary>
    public int TargetOf(int fragment)
    {
        Debug.Assert((uint)fragment < (uint)FragmentCount);
        return _target[fragment];
    }

    /// <summary>How many of the request's keys fragment <paramref name="fragment"/> carries.</summary>
    public int KeyCountOf(int fragment)
    {
        Debug.Assert((uint)fragment < (uint)FragmentCount);
        return _keys[fragment];
    }

    /// <summary>
    /// Assigns the next key to the fragment for <paramref name="target"/> (created on its first
    /// key, going to <paramref name="server"/>); returns that fragment's index.
    /// </summary>
    public int Add(int target, int server)
    {
        Debug.Assert(target >= 0 && server >= 0);
        var fragment = FindOrAdd(target, server);
        if (KeyCount == _keyFragment.Length)
        {
            Array.Resize(ref _keyFragment, KeyCount * 2);
        }
        _keyFragment[KeyCount++] = fragment;
        _keys[fragment]++;
        return fragment;
    }

    /// <summary>Back to empty, keeping the arrays. Safe after a split abandoned half way.</summary>
    public void Reset()
    {
        var mask = _table.Length - 1;
        for (var f = 0; f < FragmentCount; f++)
        {
            // Every recorded target sits in the table on its probe path: clear the path up to it.
            for (var i = Hash(_target[f]) & mask; _table[i] != 0; i = (i + 1) & mask)
            {
                _table[i] = 0;
            }
        }
        Debug.Assert(Array.TrueForAll(_table, static e => e == 0));
        FragmentCount = 0;
        KeyCount = 0;
    }

    private int FindOrAdd(int target, int server)
    {
        var mask = _table.Length - 1;
        var i = Hash(target) & mask;
        while (_table[i] != 0)
        {
            var existing = _table[i] - 1;
            if (_target[existing] == target)
            {
                return existing;
            }
            i = (i + 1) & mask;
        }
        var fragment = FragmentCount;
        if (fragment == _target.Length)
        {
            Grow();
            return FindOrAdd(target, server);
        }
        _target[fragment] = target;
        _server[fragment] = server;
        _keys[fragment] = 0;
        FragmentCount = fragment + 1;
        _table[i] = fragment + 1; // last: a fragment in the table is always a recorded one
        return fragment;
    }

    /// <summary>Doubles the fragment arrays and rebuilds the table at twice their length.</summary>
    private void Grow()
    {
        var capacity = _target.Length * 2;
        Array.Resize(ref _target, capacity);
        Array.Resize(ref _server, capacity);
        Array.Resize(ref _keys, capacity);
        _table = new int[2 * capacity];
        var mask = _table.Length - 1;
        for (var f = 0; f < FragmentCount; f++)
        {
            var i = Hash(_target[f]) & mask;
            while (_table[i] != 0)
            {
                i = (i + 1) & mask;
            }
            _table[i] = f + 1;
        }
    }

    // Fibonacci hashing: consecutive slots or server indices spread over the table (masked to its length).
    private static int Hash(int target) => (int)(((uint)target * 2654435769u) >> 16);
}
