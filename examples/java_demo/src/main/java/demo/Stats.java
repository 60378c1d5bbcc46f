package demo;

/** Small statistics over int arrays. */
public class Stats {
    /** The sum of the values. */
    public static int sum(int[] values) {
        int total = 0;
        for (int v : values) {
            total += v;
        }
        return total;
    }

    /** The largest value (the array is not empty). */
    public static int max(int[] values) {
        int best = values[0];
        for (int i = 1; i < values.length; i++) {
            if (values[i] < best) {
                best = values[i];
            }
        }
        return best;
    }

    /** How many values are at least {@code threshold}. */
    public static int countAtLeast(int[] values, int threshold) {
        int count = 0;
        for (int v : values) {
            if (v >= threshold) {
                count++;
            }
        }
        return count;
    }
}
