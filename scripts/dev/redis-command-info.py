import socket
s=socket.create_connection(("127.0.0.1",16399)); f=s.makefile('rb')
s.sendall(b"COMMAND\r\n")
def rd():
    l=f.readline()[:-2]; t=l[:1]; v=l[1:]
    if t==b'*':
        n=int(v); return None if n<0 else [rd() for _ in range(n)]
    if t==b'$':
        n=int(v)
        if n<0: return None
        d=f.read(n+2)[:-2]; return d.decode()
    if t==b':': return int(v)
    if t in b'+-': return v.decode()
    raise Exception(l)
r=rd()
rows=[]
for c in r:
    name,arity,flags,first,last,step=c[:6]
    subs=c[9] if len(c)>9 else []
    mov='movablekeys' in flags
    rows.append((name,arity,first,last,step,mov,flags))
    for sc in subs or []:
        rows.append((sc[0],sc[1],sc[3],sc[4],sc[5],'movablekeys' in sc[2],sc[2]))
for row in sorted(rows): print(*row[:6], ','.join(row[6]))
