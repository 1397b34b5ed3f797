using System.Diagnostics;

namespace Sharpcracker.Stats;

/// <summary>One moment's queue gauges of a server (twemproxy's in_queue / out_queue) and its open connections.</summary>
internal struct QueueSample
{
    public long Connections;
    public long InQueue;
    public long InQueueBytes;
    public long OutQueue;
    public long OutQueueBytes;
}
