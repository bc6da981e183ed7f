// clientcheck drives an etcd v3 endpoint with etcd's own Go client (clientv3, 3.4) and
// checks what a real Go program relies on. Built in GOPATH mode against Debian's
// golang-etcd-server-dev:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o clientcheck .
//
// Modes:
//
//	-mode watch (default): W prefix watchers on one client (one gRPC watch stream), then N
//	  puts from G goroutines on the same connection; every watcher must see every put exactly
//	  once, in revision order, with the revision the put returned. Exits 1 with a message if not.
//	-mode crash-writer: puts <prefix>000001, 000002, ... one at a time and prints each key
//	  after the server acknowledged it, until a put fails or -duration passes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

func main() {
	endpoint := flag.String("endpoint", "127.0.0.1:2379", "client endpoint host:port")
	mode := flag.String("mode", "watch", "watch | crash-writer")
	prefix := flag.String("prefix", "clientcheck/", "key prefix used by this run")
	watchers := flag.Int("watchers", 32, "watchers on the one client")
	puts := flag.Int("puts", 2000, "total puts")
	goroutines := flag.Int("goroutines", 16, "concurrent putters")
	timeout := flag.Duration("timeout", 60*time.Second, "overall bound")
	duration := flag.Duration("duration", 30*time.Second, "crash-writer: stop after this long")
	flag.Parse()

	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		fail("connect: %v", err)
	}
	defer cli.Close()

	switch *mode {
	case "watch":
		checkWatch(cli, *prefix, *watchers, *puts, *goroutines, *timeout)
	case "crash-writer":
		crashWriter(cli, *prefix, *duration)
	default:
		fail("unknown -mode %q", *mode)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "clientcheck: "+format+"\n", args...)
	os.Exit(1)
}

// seen is what one watcher received: key -> revisions of its PUT events, in arrival order.
type seen struct {
	revisions []int64
	keys      map[string][]int64
	problems  []string
}

func checkWatch(cli *clientv3.Client, prefix string, nWatchers, nPuts, nGoroutines int, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// One context for every Watch call: clientv3 then multiplexes all of them on one gRPC stream.
	watchCtx, stopWatching := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer stopWatching()
	channels := make([]clientv3.WatchChan, nWatchers)
	for i := range channels {
		channels[i] = cli.Watch(watchCtx, prefix, clientv3.WithPrefix(), clientv3.WithCreatedNotify())
		select {
		case resp, ok := <-channels[i]:
			if !ok || !resp.Created {
				fail("watcher %d: no created notification (ok=%v err=%v)", i, ok, resp.Err())
			}
		case <-ctx.Done():
			fail("watcher %d: not created before the timeout", i)
		}
	}

	results := make([]*seen, nWatchers)
	var collectors sync.WaitGroup
	for i := range channels {
		results[i] = &seen{keys: map[string][]int64{}}
		collectors.Add(1)
		go collect(&collectors, channels[i], results[i], nPuts)
	}

	acked := putConcurrently(ctx, cli, prefix, nPuts, nGoroutines)

	done := make(chan struct{})
	go func() { collectors.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		stopWatching()
		<-done
	}
	report(results, acked, nPuts)
}

// collect records events until the watcher has `want` of them, then keeps listening for a
// quiet period so that duplicated or extra events are caught too.
func collect(wg *sync.WaitGroup, ch clientv3.WatchChan, s *seen, want int) {
	defer wg.Done()
	quiet := time.NewTimer(time.Hour)
	defer quiet.Stop()
	for {
		select {
		case resp, ok := <-ch:
			if !ok {
				return
			}
			if err := resp.Err(); err != nil {
				s.problems = append(s.problems, fmt.Sprintf("watch error: %v", err))
				return
			}
			for _, ev := range resp.Events {
				if ev.Type != clientv3.EventTypePut {
					s.problems = append(s.problems, fmt.Sprintf("unexpected %v event for %q", ev.Type, ev.Kv.Key))
					continue
				}
				s.revisions = append(s.revisions, ev.Kv.ModRevision)
				s.keys[string(ev.Kv.Key)] = append(s.keys[string(ev.Kv.Key)], ev.Kv.ModRevision)
			}
			if len(s.revisions) >= want {
				quiet.Reset(500 * time.Millisecond)
			}
		case <-quiet.C:
			return
		}
	}
}

// putConcurrently runs nPuts puts from nGoroutines goroutines on the client's one connection
// and returns key -> revision of every acknowledged put.
func putConcurrently(ctx context.Context, cli *clientv3.Client, prefix string, nPuts, nGoroutines int) map[string]int64 {
	var mu sync.Mutex
	acked := make(map[string]int64, nPuts)
	var wg sync.WaitGroup
	for g := 0; g < nGoroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < nPuts; i += nGoroutines {
				key := fmt.Sprintf("%s%05d", prefix, i)
				resp, err := cli.Put(ctx, key, fmt.Sprintf("value-%d", i))
				if err != nil {
					fail("put %s: %v", key, err)
				}
				mu.Lock()
				acked[key] = resp.Header.Revision
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	return acked
}

func report(results []*seen, acked map[string]int64, nPuts int) {
	if len(acked) != nPuts {
		fail("%d of %d puts acknowledged", len(acked), nPuts)
	}
	revisions := make(map[int64]bool, nPuts)
	for _, rev := range acked {
		if revisions[rev] {
			fail("two puts acknowledged with the same revision %d", rev)
		}
		revisions[rev] = true
	}
	var problems []string
	for i, s := range results {
		problems = append(problems, checkOne(i, s, acked, nPuts)...)
	}
	if len(problems) > 0 {
		if len(problems) > 40 {
			problems = append(problems[:40], fmt.Sprintf("... and %d more", len(problems)-40))
		}
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fail("%d problems", len(problems))
	}
	fmt.Printf("OK: %d watchers each received all %d puts exactly once, in revision order\n", len(results), nPuts)
}

func checkOne(i int, s *seen, acked map[string]int64, nPuts int) []string {
	var problems []string
	for _, p := range s.problems {
		problems = append(problems, fmt.Sprintf("watcher %d: %s", i, p))
	}
	if len(s.revisions) != nPuts {
		problems = append(problems, fmt.Sprintf("watcher %d: received %d events, want %d", i, len(s.revisions), nPuts))
	}
	if !sort.SliceIsSorted(s.revisions, func(a, b int) bool { return s.revisions[a] < s.revisions[b] }) {
		problems = append(problems, fmt.Sprintf("watcher %d: events out of revision order", i))
	}
	for j := 1; j < len(s.revisions); j++ {
		if s.revisions[j] <= s.revisions[j-1] {
			problems = append(problems, fmt.Sprintf("watcher %d: revision %d after %d", i, s.revisions[j], s.revisions[j-1]))
			break
		}
	}
	for key, rev := range acked {
		got := s.keys[key]
		switch {
		case len(got) == 0:
			problems = append(problems, fmt.Sprintf("watcher %d: no event for %s (rev %d)", i, key, rev))
		case len(got) > 1:
			problems = append(problems, fmt.Sprintf("watcher %d: %d events for %s", i, len(got), key))
		case got[0] != rev:
			problems = append(problems, fmt.Sprintf("watcher %d: %s at rev %d, put returned %d", i, key, got[0], rev))
		}
	}
	for key := range s.keys {
		if _, ok := acked[key]; !ok {
			problems = append(problems, fmt.Sprintf("watcher %d: event for unknown key %s", i, key))
		}
	}
	return problems
}

// crashWriter writes sequential keys; a key is printed only after its put returned success,
// so the printed list is exactly the set of acknowledged writes.
func crashWriter(cli *clientv3.Client, prefix string, duration time.Duration) {
	deadline := time.Now().Add(duration)
	for i := 1; time.Now().Before(deadline); i++ {
		key := fmt.Sprintf("%s%06d", prefix, i)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := cli.Put(ctx, key, fmt.Sprintf("v%d", i))
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "put %s: %v\n", key, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stdout, key)
	}
}
