"""The demo story seeded by ``manage.py seed_demo``: original prose, one procedural scene per segment."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_TITLE = "The Lighthouse Keeper's Last Night"


@dataclass(frozen=True)
class DemoSegment:
    """One segment of the demo: narration text, the prompt an image generator would get, and the scene drawn."""

    text: str
    image_prompt: str
    scene: str  # a key of api.demo.scenes.SCENES


DEMO_SEGMENTS: tuple[DemoSegment, ...] = (
    DemoSegment(
        text=(
            "For forty years, Elias had climbed the hundred and twelve steps of the Harrow Point lighthouse. "
            "Tonight, as the sun slipped into the sea, he climbed them for the last time."
        ),
        image_prompt=(
            "A red and white lighthouse on a grassy headland at sunset, violet and orange sky, the sun touching a "
            "calm sea, distant hills"
        ),
        scene="sunset",
    ),
    DemoSegment(
        text=(
            "He lit the great lamp the way his father had taught him, slowly and with a steady hand. "
            "Its beam swept out across the darkening water like an old friend waving hello."
        ),
        image_prompt="A lighthouse beam sweeping across a dusky blue sea, the first stars appearing above the cliffs",
        scene="dusk_beam",
    ),
    DemoSegment(
        text=(
            "Near midnight, a small fishing boat came home late through the swell. "
            "Elias watched its lantern bob safely past the rocks, and he smiled."
        ),
        image_prompt=(
            "A small fishing boat with a glowing lantern on dark moonlit waves, a lighthouse beam, a starry sky"
        ),
        scene="midnight_boat",
    ),
    DemoSegment(
        text=(
            "When the clouds cleared, the stars came out in their thousands. "
            "He named the ones he knew, and made up names for the ones he didn't."
        ),
        image_prompt=(
            "The Milky Way and a crescent moon over the sea, dark rolling hills and a small lighthouse silhouette"
        ),
        scene="starfield",
    ),
    DemoSegment(
        text=(
            "At dawn the new automatic lamp clicked off on its own. "
            "Elias locked the door, left the key under the mossy stone, and walked home along the cliffs "
            "as the gulls began to call."
        ),
        image_prompt="Sunrise over a calm sea, golden light on green hills and a lighthouse, gulls in a pink sky",
        scene="dawn",
    ),
)
