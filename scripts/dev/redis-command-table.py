import os
rows=[l.split() for l in open('/tmp/cmds.txt')]
local={'ping','echo','quit','select','hello','client','info','auth'}
anyk={'command','time','lastsave'}
fanout={'scan':'Scan','keys':'Fanout','dbsize':'Fanout','randomkey':'Fanout','flushall':'Fanout','flushdb':'Fanout','config':'FanoutSub','script':'FanoutSub','function':'FanoutSub'}
split={'mget':'Mget','mset':'Mset','del':'SumKeys','unlink':'SumKeys','touch':'SumKeys','exists':'SumKeys'}
evalk={'eval','evalsha','eval_ro','evalsha_ro','fcall','fcall_ro'}
nk1={'zunion','zinter','zdiff','zintercard','sintercard','lmpop','zmpop'}
destnk={'zunionstore','zinterstore','zdiffstore'}
sortlike={'sort','sort_ro','georadius','georadiusbymember'}
subkey={'object','xinfo','xgroup'}
unsup={'blpop','brpop','brpoplpush','blmove','blmpop','bzpopmin','bzpopmax','bzmpop','subscribe','psubscribe','unsubscribe','punsubscribe','publish','pubsub','spublish','ssubscribe','sunsubscribe','multi','exec','discard','watch','unwatch','xread','xreadgroup','wait','move','migrate','restore-asking','pfdebug','pfselftest','swapdb','reset'}
out=[]
for name,arity,first,last,step,mov,flags in [(r+[""])[:7] for r in rows]:
    first,last,step=int(first),int(last),int(step)
    if '|' in name:
        c=name.split('|')[0]
        if c not in ('client','command','object','xinfo','xgroup','config','script','function'): continue
        kind='Sub'
    elif name in local: kind='Local'
    elif name in anyk: kind='Any'
    elif name in fanout: kind=fanout[name]
    elif name in split: kind=split[name]
    elif name in unsup: kind='Unsupported'
    elif name in evalk: kind='Eval'
    elif name in nk1: kind='NumKeysFirst'
    elif name in destnk: kind='DestNumKeys'
    elif name in sortlike: kind='SortStore'
    elif name in subkey: kind='SubcommandKey'
    elif first==0 or mov=='True': kind='Unsupported'
    elif first==1 and last==1: kind='Single'
    else: kind='KeyRange'
    out.append(f'        new("{name}", {arity}, {first}, {last}, {step}, RedisRoute.{kind}),')
src='''namespace Sharpcracker.Protocols.Redis;

/// <summary>
/// Every command redis-server 7.0.15 knows (from its COMMAND reply: name, arity, legacy
/// first/last/step key positions) with how the proxy routes it. Subcommand rows ("client|setname")
/// exist only for the container commands the proxy serves. Generated once from a real server;
/// regenerate with scripts/dev/redis-command-table.py when the supported Redis version moves.
/// </summary>
internal static partial class RedisCommandTable
{
    private static readonly RedisCommandInfo[] s_all =
    [
''' + '\n'.join(out) + '''
    ];
}
'''
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../src/Sharpcracker/Protocols/Redis/RedisCommandTable.Data.cs'),'w').write(src)
