namespace Sharpcracker.Stats;

/// <summary>
/// The command families latency is measured per. Values index arrays: keep them dense, from 0.
/// memcached text commands map by kind; meta commands and Redis commands count as Other.
/// </summary>
internal enum CommandClass : byte
{
    Other = 0,
    Retrieval = 1,
    Storage = 2,
    Arithmetic = 3,
    Delete = 4,
}
