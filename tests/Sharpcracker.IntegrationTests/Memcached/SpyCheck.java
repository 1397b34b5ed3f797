import java.net.InetSocketAddress;
import java.util.*;
import net.spy.memcached.*;

// spymemcached (BinaryConnectionFactory) through the proxy: run by BinaryClientTests with
// `java -cp /usr/share/java/spymemcached.jar SpyCheck.java PORT` (single-file source launch); prints "ok".
public class SpyCheck {
    static void check(boolean ok, String what) { if (!ok) { System.out.println("FAIL " + what); System.exit(1); } }
    public static void main(String[] args) throws Exception {
        MemcachedClient c = new MemcachedClient(new BinaryConnectionFactory(),
            Collections.singletonList(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]))));
        try {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 50; i++) { keys.add("spy" + i); check(c.set("spy" + i, 0, "v" + i).get(), "set"); }
            check("v7".equals(c.get("spy7")), "get");
            List<String> asked = new ArrayList<>(keys); asked.add("spy-missing");
            Map<String, Object> bulk = c.getBulk(asked);
            check(bulk.size() == 50 && "v42".equals(bulk.get("spy42")) && !bulk.containsKey("spy-missing"), "getBulk " + bulk.size());
            CASValue<Object> cv = c.gets("spy1");
            check(c.cas("spy1", cv.getCas(), "new") == CASResponse.OK, "cas ok");
            check(c.cas("spy1", cv.getCas(), "stale") == CASResponse.EXISTS, "cas exists");
            check(c.incr("spy-counter", 5, 10) == 10 && c.incr("spy-counter", 5, 10) == 15, "incr default");
            check(c.touch("spy2", 100).get(), "touch");
            check(c.delete("spy3").get() && c.get("spy3") == null, "delete");
            check(!c.add("spy4", 0, "x").get(), "add existing");
            check(c.getVersions().values().iterator().next().startsWith("1."), "version");
            System.out.println("ok");
        } finally { c.shutdown(); }
    }
}
