"""Which module of this package registers each layer class, so that a count imports only the
families of the classes it meets instead of all of them (the command line's start-up, issue #20).

Derived from the registry, never written by hand: after a family gains or loses a class, run
``python scripts/families.py`` to rewrite it; ``tests/engine/test_families.py`` fails
until then."""

from __future__ import annotations

# module -> the classes it registers (written by scripts/families.py)
FAMILIES: dict[str, tuple[str, ...]] = {
    "activations": (
        "Activation", "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU",
    ),
    "applications": (
        "CustomScaleLayer", "LayerScale", "StochasticDepth",
    ),
    "attention": (
        "AdditiveAttention", "Attention", "GroupQueryAttention", "GroupedQueryAttention",
        "MultiHeadAttention",
    ),
    "conv": (
        "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
        "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Convolution1D", "Convolution1DTranspose",
        "Convolution2D", "Convolution2DTranspose", "Convolution3D", "Convolution3DTranspose",
        "DepthwiseConv1D", "DepthwiseConv2D", "LocallyConnected1D", "LocallyConnected2D",
        "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    ),
    "core_layers": (
        "ActivityRegularization", "Add", "AlphaDropout", "AutoContrast", "Average",
        "CategoryEncoding", "CenterCrop", "Concatenate", "Discretization", "Dot", "Dropout",
        "Equalization", "Flatten", "GaussianDropout", "GaussianNoise", "Hashing", "Identity",
        "IntegerLookup", "Lambda", "Masking", "Maximum", "Minimum", "Multiply", "Permute",
        "RandomBrightness", "RandomColorDegeneration", "RandomContrast", "RandomCrop",
        "RandomFlip", "RandomGaussianBlur", "RandomHue", "RandomInvert", "RandomPosterization",
        "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear",
        "RandomTranslation", "RandomZoom", "RepeatVector", "Rescaling", "Reshape", "Resizing",
        "Solarization", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "StringLookup",
        "Subtract", "TextVectorization",
    ),
    "dense": (
        "Dense",
    ),
    "einsum": (
        "EinsumDense",
    ),
    "embedding": (
        "Embedding", "ReversibleEmbedding",
    ),
    "kerashub": (
        "keras_hub>AlibiBias", "keras_hub>CachedMultiHeadAttention", "keras_hub>FNetEncoder",
        "keras_hub>MaskedLMHead", "keras_hub>PositionEmbedding", "keras_hub>RMSNormalization",
        "keras_hub>ReversibleEmbedding", "keras_hub>RotaryEmbedding",
        "keras_hub>SinePositionEncoding", "keras_hub>TokenAndPositionEmbedding",
        "keras_hub>TransformerDecoder", "keras_hub>TransformerEncoder",
    ),
    "models": (
        "Functional", "Model", "Sequential",
    ),
    "normalization": (
        "BatchNormalization", "GroupNormalization", "LayerNormalization", "Normalization",
        "RMSNormalization", "SpectralNormalization", "SyncBatchNormalization", "UnitNormalization",
    ),
    "ops": (
        "SlicingOpLambda", "TFOpLambda",
    ),
    "pooling": (
        "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "AveragePooling1D",
        "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
        "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
        "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D",
        "MaxPooling2D", "MaxPooling3D",
    ),
    "recurrent": (
        "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
        "StackedRNNCells",
    ),
    "reshaping_spatial": (
        "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    ),
    "wrappers": (
        "Bidirectional", "TimeDistributed",
    ),
}

FAMILY: dict[str, str] = {name: module for module, names in FAMILIES.items() for name in names}

