package io.dl4jdms.export;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelSetTest {

    @Test
    void aSetHoldingEveryIndexIsAll() {
        assertTrue(ChannelSet.of(3, new int[] {2, 0, 1}).isAll());
        assertTrue(ChannelSet.kept(new boolean[] {true, true}).isAll());
        assertArrayEquals(new int[] {0, 2}, ChannelSet.kept(new boolean[] {true, false, true}).indices());
    }

    @Test
    void flattenFollowsTheCOrderReshapeOfEachFormat() {
        ChannelSet channels = ChannelSet.of(3, new int[] {1});
        // NCHW [C=3, H=2, W=2]: channel 1 is features 4..7.
        assertArrayEquals(new int[] {4, 5, 6, 7}, channels.flatten(2, 2, CNN2DFormat.NCHW).indices());
        // NHWC [H=2, W=2, C=3]: channel 1 is features 1, 4, 7, 10.
        assertArrayEquals(new int[] {1, 4, 7, 10}, channels.flatten(2, 2, CNN2DFormat.NHWC).indices());
        assertEquals(12, channels.flatten(2, 2, CNN2DFormat.NHWC).size());
        for (CNN2DFormat format : CNN2DFormat.values()) {
            assertEquals(channels, channels.flatten(2, 2, format).channelsOfFeatures(2, 2, 3, format));
        }
    }

    @Test
    void concatenationShiftsEachPartBySizesBeforeIt() {
        ChannelSet joined = ChannelSet.concat(List.of(ChannelSet.of(4, new int[] {1, 3}), ChannelSet.all(2),
                ChannelSet.of(3, new int[] {0})));
        assertArrayEquals(new int[] {1, 3, 4, 5, 6}, joined.indices());
        assertEquals(9, joined.size());
        assertArrayEquals(new int[] {0, 1}, joined.segment(4, 2).indices());
        assertArrayEquals(new int[] {0}, joined.segment(6, 3).indices());
    }

    @Test
    void setAlgebraWithUnknownSizes() {
        ChannelSet some = ChannelSet.of(5, new int[] {0, 4});
        assertEquals(some, ChannelSet.all(ChannelSet.UNKNOWN).intersect(some));
        assertTrue(ChannelSet.all(ChannelSet.UNKNOWN).union(some).isAll());
        assertEquals(5, ChannelSet.all(ChannelSet.UNKNOWN).union(some).size());
        assertTrue(ChannelSet.all(5).containsAll(some));
        assertFalse(some.containsAll(ChannelSet.all(5)));
        assertArrayEquals(new int[] {1, 2, 3}, ChannelSet.all(5).minus(some));
        assertEquals(ChannelSet.none(5), some.intersect(ChannelSet.of(5, new int[] {1})));
    }
}
