# Bounded FIFO of payloads kept while offline; the oldest is dropped first.


class Buffer:
    def __init__(self, cap):
        self.cap = cap
        self.items = []
        self.dropped = 0

    def add(self, item):
        if len(self.items) >= self.cap:
            self.dropped += 1
            if not self.items:
                return
            self.items.pop(0)
        self.items.append(item)

    def flush(self, send):
        # Oldest first; an item leaves only once send() returned (if it raises, the rest stay).
        n = 0
        while self.items:
            send(self.items[0])
            self.items.pop(0)
            n += 1
        return n

    def __len__(self):
        return len(self.items)
