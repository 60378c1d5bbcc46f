package demo;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class StatsTest {
    @Test
    public void sumAddsEveryValue() {
        assertEquals(10, Stats.sum(new int[] {1, 2, 3, 4}));
    }

    @Test
    public void maxFindsTheLargest() {
        assertEquals(9, Stats.max(new int[] {3, 9, 4}));
    }

    @Test
    public void maxOfOne() {
        assertEquals(5, Stats.max(new int[] {5}));
    }

    @Test
    public void countAtLeastCountsTheBoundary() {
        assertEquals(2, Stats.countAtLeast(new int[] {1, 5, 7}, 5));
    }
}
